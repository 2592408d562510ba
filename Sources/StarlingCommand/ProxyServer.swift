import NIOCore
import NIOPosix
import StarlingNetwork
import Synchronization

import struct StarlingChannels.SplitMix64

/// The fault-injecting TCP proxy behind `starling proxy`: accepts connections at one address,
/// forwards each to another with latency, jitter and a bandwidth limit each way, and cuts every
/// connection when told to (``cut(_:)``) until told to heal (``heal(_:)``).
///
/// While cut, a new connection is refused (reset at once) or held (accepted and left waiting,
/// then forwarded when the link heals), as the settings say. Everything it does is written to
/// its ``ProxyLog``.
final class ProxyServer: Sendable {
  /// What a cut does to the connections it ends.
  enum CutMode: String, Sendable, CaseIterable {
    /// An orderly close (FIN) of both sides.
    case close
    /// A reset (RST, with SO_LINGER 0) of both sides.
    case reset
  }

  /// What happens to a connection made while the link is cut.
  enum CutPolicy: String, Sendable, CaseIterable {
    /// It is reset at once.
    case refuse
    /// It is accepted and waits, unanswered, until the link heals; then it is forwarded.
    case hold
  }

  /// How the proxy behaves.
  struct Settings: Sendable {
    /// Where it accepts connections.
    var listen: Address
    /// Where it forwards them.
    var target: Address
    /// The faults each way.
    var shaping = ProxyShaper.Settings()
    /// The seed of every random fault.
    var seed: UInt64 = 0
    /// What a cut does to live connections.
    var cutMode = CutMode.close
    /// What happens to connections made while cut.
    var whileCut = CutPolicy.refuse
  }

  /// What the proxy has done so far.
  struct Totals: Sendable, Equatable {
    /// Connections accepted.
    var connections = 0
    /// Bytes passed from clients to the server, over connections that have ended.
    var bytesUp = 0
    /// Bytes passed from the server to clients, over connections that have ended.
    var bytesDown = 0
    /// Cuts made.
    var cuts = 0
  }

  /// A connection the proxy knows of.
  private enum Entry {
    /// Accepted; the connection to the server is being made.
    case connecting(client: any Channel)
    /// Both sides are connected and the pumps run.
    case relaying(NIOLoopBound<ProxyConnection>, channels: [any Channel])
  }

  private struct State {
    var isCut = false
    var isStopped = false
    var nextID = 1
    var live: [Int: Entry] = [:]
    var held: [Int: any Channel] = [:]
    var totals = Totals()
    var listener: (any Channel)?
  }

  let settings: Settings
  private let group: any EventLoopGroup
  private let log: ProxyLog
  private let origin = NIODeadline.now()
  private let state = Mutex(State())

  /// A proxy with `settings`, on `group`'s event loops, reporting to `log`. It does nothing
  /// until ``start()``.
  init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, log: ProxyLog) {
    self.settings = settings
    self.group = group
    self.log = log
  }

  /// What the proxy has done so far.
  var totals: Totals { state.withLock { $0.totals } }

  /// Whether the link is cut.
  var isCut: Bool { state.withLock { $0.isCut } }

  /// Starts accepting connections; returns the address bound (with the port the system chose
  /// for port 0).
  ///
  /// - Throws: ``SPError`` when the address cannot be listened on (in use, invalid).
  func start() async throws -> Address {
    let listener = try await StreamBootstrap.bind(
      settings.listen, tls: nil, options: Self.socketOptions(settings.listen), group: group
    ) { [self] channel in
      // Handled once active: the channel is registered with its event loop only after this.
      try Self.prepare(channel) { self.accepted($0) }
    }
    let stopped = state.withLock { state in
      if !state.isStopped { state.listener = listener }
      return state.isStopped
    }
    if stopped { try? await listener.close() }
    return settings.listen.replacingPort(listener.localAddress?.port ?? settings.listen.port)
  }

  /// Cuts the link: every connection is closed (or reset, as ``Settings/cutMode`` says), and
  /// new ones are refused or held until ``heal(_:)``. `cause` goes into the log line.
  func cut(_ cause: String) {
    let (entries, wasCut) = state.withLock { state in
      let wasCut = state.isCut
      if !wasCut { state.totals.cuts += 1 }
      state.isCut = true
      defer { state.live = [:] }
      return (state.live, wasCut)
    }
    let reset = settings.cutMode == .reset
    let verb = reset ? "reset" : "closed"
    log("cut (\(cause)): \(verb) \(Self.count(entries.count, "connection"))\(wasCut ? " (already cut)" : "")")
    for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
      switch entry {
      case .connecting(let client):
        log("connection \(id) \(verb) by a cut before it reached \(settings.target.url)")
        ProxyConnection.close(client, reset: reset)
      case .relaying(let connection, _):
        connection.eventLoop.execute { connection.value.end("\(verb) by a cut", reset: reset) }
      }
    }
  }

  /// Heals the link: connections held while it was cut are forwarded, new ones too. `cause`
  /// goes into the log line.
  func heal(_ cause: String) {
    let (held, wasCut) = state.withLock { state in
      let wasCut = state.isCut
      state.isCut = false
      let held = state.held
      state.held = [:]
      for (id, client) in held { state.live[id] = .connecting(client: client) }
      return (held, wasCut)
    }
    let forwarding = held.isEmpty ? "" : ": forwarding \(Self.count(held.count, "held connection"))"
    log("healed (\(cause))\(wasCut ? "" : " (was not cut)")\(forwarding)")
    for (id, client) in held.sorted(by: { $0.key < $1.key }) {
      forward(id, client: client)
    }
  }

  /// Stops: no more connections are accepted, every connection is closed; waits until they are,
  /// logs the totals with `cause` and returns them.
  @discardableResult
  func stop(_ cause: String) async -> Totals {
    let (listener, entries, held) = state.withLock { state in
      state.isStopped = true
      defer {
        state.live = [:]
        state.held = [:]
        state.listener = nil
      }
      return (state.listener, state.live, state.held)
    }
    try? await listener?.close()
    var channels: [any Channel] = Array(held.values)
    for (_, entry) in entries {
      switch entry {
      case .connecting(let client):
        channels.append(client)
      case .relaying(let connection, let both):
        channels += both
        connection.eventLoop.execute { connection.value.end("closed: the proxy stopped", reset: false) }
      }
    }
    for channel in channels {
      channel.close(promise: nil)
      try? await channel.closeFuture.get()
    }
    let totals = self.totals
    log(
      "stopped (\(cause)): \(Self.count(totals.connections, "connection")), \(totals.bytesUp) bytes up, "
        + "\(totals.bytesDown) bytes down, \(Self.count(totals.cuts, "cut"))")
    return totals
  }

  // MARK: Connections

  /// A client connected (on its channel's event loop).
  private func accepted(_ client: any Channel) {
    enum Decision { case drop, refuse(Int), hold(Int), forward(Int) }
    let decision = state.withLock { state -> Decision in
      if state.isStopped { return .drop }
      let id = state.nextID
      state.nextID += 1
      state.totals.connections += 1
      if state.isCut {
        switch settings.whileCut {
        case .refuse: return .refuse(id)
        case .hold:
          state.held[id] = client
          return .hold(id)
        }
      }
      state.live[id] = .connecting(client: client)
      return .forward(id)
    }
    let peer = Self.describe(client.remoteAddress)
    switch decision {
    case .drop:
      client.close(promise: nil)
    case .refuse(let id):
      log("connection \(id) from \(peer) refused: the link is cut")
      ProxyConnection.close(client, reset: true)
    case .hold(let id):
      log("connection \(id) from \(peer) held: the link is cut")
    case .forward(let id):
      log("connection \(id) opened from \(peer)")
      forward(id, client: client)
    }
  }

  /// Connects to the server for connection `id`, then starts its pumps.
  private func forward(_ id: Int, client: any Channel) {
    let target = settings.target
    Task {
      let server: any Channel
      do {
        server = try await StreamBootstrap.connect(
          to: target, tls: nil, timeout: .seconds(10), options: Self.socketOptions(target),
          on: client.eventLoop
        ) { channel in
          try Self.prepare(channel)
        }
      } catch {
        let mine = state.withLock { $0.live.removeValue(forKey: id) != nil }
        if mine {
          log("connection \(id) failed: cannot reach \(target.url): \(error)")
          client.close(promise: nil)
        }
        return
      }
      client.eventLoop.execute { self.relay(id, client: client, server: server) }
    }
  }

  /// Starts the pumps of connection `id`, unless a cut or a stop took it meanwhile.
  private func relay(_ id: Int, client: any Channel, server: any Channel) {
    let stillLive = state.withLock { state in
      if case .connecting = state.live[id] { return true }
      return false
    }
    guard stillLive, client.isActive else {
      server.close(promise: nil)
      client.close(promise: nil)
      if stillLive {
        finished(
          .init(id: id, reason: "closed by the client before the server answered", bytesUp: 0, bytesDown: 0))
      }
      return
    }
    // Each direction of each connection draws from a stream of its own (derived from the seed
    // and the connection's number), so what one gets does not depend on how its traffic
    // interleaves with another's, and a run's faults replay with `--seed`.
    let shapers = (
      up: ProxyShaper(
        settings: settings.shaping, random: SplitMix64(seed: settings.seed, stream: UInt64(id) * 2)),
      down: ProxyShaper(
        settings: settings.shaping, random: SplitMix64(seed: settings.seed, stream: UInt64(id) * 2 + 1))
    )
    do {
      let connection = try ProxyConnection(
        id: id, client: client, server: server, shapers: shapers, origin: origin
      ) { [self] summary in finished(summary) }
      let bound = NIOLoopBound(connection, eventLoop: client.eventLoop)
      let registered = state.withLock { state in
        guard case .connecting = state.live[id] else { return false }
        state.live[id] = .relaying(bound, channels: [client, server])
        return true
      }
      if !registered {
        let reset = settings.cutMode == .reset
        connection.end(reset ? "reset by a cut" : "closed by a cut", reset: reset)
      }
    } catch {
      client.close(promise: nil)
      server.close(promise: nil)
      finished(ProxyConnection.Summary(id: id, reason: "failed: \(error)", bytesUp: 0, bytesDown: 0))
    }
  }

  /// A connection ended: counted and logged.
  private func finished(_ summary: ProxyConnection.Summary) {
    state.withLock { state in
      state.live[summary.id] = nil
      state.totals.bytesUp += summary.bytesUp
      state.totals.bytesDown += summary.bytesDown
    }
    log(
      "connection \(summary.id) \(summary.reason): \(summary.bytesUp) bytes up, \(summary.bytesDown) bytes down"
    )
  }

  /// Sets up a new channel, either side: it reads only when its pump asks, a peer's end of
  /// input leaves it open for output (so the end can be passed on), and what arrives before
  /// the pump is in place is held.
  private static func prepare(_ channel: any Channel, active: ((any Channel) -> Void)? = nil) throws {
    try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
    try channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    try channel.pipeline.syncOperations.addHandler(ProxyHoldHandler(active: active))
  }

  /// `1 connection`, `2 connections`.
  private static func count(_ number: Int, _ noun: String) -> String {
    "\(number) \(noun)\(number == 1 ? "" : "s")"
  }

  /// A peer's address as `127.0.0.1:5555`, `[::1]:5555` or `ipc`.
  private static func describe(_ address: SocketAddress?) -> String {
    guard let address, let ip = address.ipAddress, let port = address.port else { return "an ipc peer" }
    return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
  }

  /// TCP_NODELAY on tcp connections: the proxy adds the delays it is told to, no others.
  private static func socketOptions(_ address: Address) -> [StreamBootstrap.Option] {
    address.transport == .tcp ? [(ChannelOptions.socketOption(.tcp_nodelay), 1)] : []
  }
}
