import Foundation
import Starling
import StarlingPipeline

/// `/status` of the admin server, as JSON: readiness, and per pipeline its graph (what
/// `starling graph` draws) with every queue's and module's numbers.
struct AdminStatus: Encodable, Sendable {
  /// Whether `/ready` answers 200.
  let ready: Bool
  /// Why not, one reason each (what `/ready` answers 503 with).
  let notReady: [String]
  /// The pipelines running (two for the demo; none while a reload swaps them).
  let pipelines: [PipelineStatus]
  /// When the numbers were read, in seconds since 1970: the status page divides the change
  /// between two answers by the change of this, for rates.
  let time: Double

  enum CodingKeys: String, CodingKey {
    case ready, time
    case notReady = "not_ready"
    case pipelines
  }

  /// One pipeline's graph and numbers.
  struct PipelineStatus: Encodable, Sendable {
    let graph: Graph
    let queues: [Queue]
    let modules: [Module]
  }

  /// The modules and routes.
  struct Graph: Encodable, Sendable {
    let nodes: [Node]
    let edges: [Edge]
  }

  /// A module of the graph.
  struct Node: Encodable, Sendable {
    let name: String
    let type: String
    let description: String?
  }

  /// A route of the graph, `from` and `to` as `module.queue`.
  struct Edge: Encodable, Sendable {
    let from: String
    let to: String
  }

  /// A queue's numbers: `route` is the queue's name (`gen.outbox -> sink.inbox`).
  struct Queue: Encodable, Sendable {
    let route: String
    let module: String
    let queue: String
    let size: Int
    let capacity: Int
    let inTotal: Int
    let outTotal: Int
    let droppedTotal: Int

    enum CodingKeys: String, CodingKey {
      case route, module, queue, size, capacity
      case inTotal = "in_total"
      case outTotal = "out_total"
      case droppedTotal = "dropped_total"
    }
  }

  /// A module's numbers, with its socket's for the socket modules.
  struct Module: Encodable, Sendable {
    let name: String
    let type: String
    let processed: Int
    let failed: Int
    let waitingFor: String?
    let socket: Socket?

    enum CodingKeys: String, CodingKey {
      case name, type, processed, failed, socket
      case waitingFor = "waiting_for"
    }
  }

  /// A socket's statistics.
  struct Socket: Encodable, Sendable {
    let messagesIn: Int
    let messagesOut: Int
    let bytesIn: Int
    let bytesOut: Int
    let pipesOpen: Int
    let pipesTotal: Int
    let pipesRefused: Int
    let reconnects: Int
    let drops: [String: Int]
    let protocolErrors: [String: Int]

    enum CodingKeys: String, CodingKey {
      case messagesIn = "messages_in"
      case messagesOut = "messages_out"
      case bytesIn = "bytes_in"
      case bytesOut = "bytes_out"
      case pipesOpen = "pipes_open"
      case pipesTotal = "pipes_total"
      case pipesRefused = "pipes_refused"
      case reconnects, drops
      case protocolErrors = "protocol_errors"
    }

    init(_ statistics: SocketStatistics) {
      messagesIn = statistics.messagesIn
      messagesOut = statistics.messagesOut
      bytesIn = statistics.bytesIn
      bytesOut = statistics.bytesOut
      pipesOpen = statistics.pipesOpen
      pipesTotal = statistics.pipesTotal
      pipesRefused = statistics.pipesRefused
      reconnects = statistics.reconnects
      drops = Dictionary(uniqueKeysWithValues: statistics.drops.map { ($0.key.rawValue, $0.value) })
      protocolErrors = Dictionary(
        uniqueKeysWithValues: statistics.protocolErrors.map { ($0.key.rawValue, $0.value) })
    }
  }

  /// The status of `pipelines` now; `reloading` while a reload swaps them.
  init(pipelines: [Pipeline], notReady: [String]) {
    self.notReady = notReady
    ready = notReady.isEmpty
    time = Date().timeIntervalSince1970
    self.pipelines = pipelines.map { pipeline in
      PipelineStatus(
        graph: Graph(
          nodes: pipeline.graph.nodes.map { Node(name: $0.name, type: $0.type, description: $0.description) },
          edges: pipeline.graph.edges.map { Edge(from: $0.from.description, to: $0.to.description) }),
        queues: pipeline.statistics.map {
          Queue(
            route: $0.name, module: $0.module, queue: $0.queue, size: $0.size, capacity: $0.capacity,
            inTotal: $0.received, outTotal: $0.sent, droppedTotal: $0.dropped)
        },
        modules: pipeline.moduleStatistics.map {
          Module(
            name: $0.name, type: $0.type, processed: $0.processed, failed: $0.failed,
            waitingFor: $0.waitingFor,
            socket: $0.socket.map(Socket.init))
        })
    }
  }
}
