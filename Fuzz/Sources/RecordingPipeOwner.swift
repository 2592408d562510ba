import Logging
import Synchronization

@testable import Starling

/// A socket stand-in for the transport targets: takes every pipe, records each message and
/// failure, and always wants more messages.
final class RecordingPipeOwner: PipeOwner {
  struct Record {
    var attached = 0
    var detached = 0
    var failures: [SPError] = []
    var messages: [[UInt8]] = []
    var pipes: [PipeID: any PipeConnection] = [:]
  }

  let identity: SPProtocol
  let options: SocketOptions
  let logger = Logger(label: "fuzz")
  private let record = Mutex(Record())

  init(identity: SPProtocol, receiveLimit: Int) {
    self.identity = identity
    var options = SocketOptions()
    options.receiveMaxSize = receiveLimit
    self.options = options
  }

  /// What happened so far.
  var recorded: Record { record.withLock { $0 } }

  /// Forgets what happened, for an owner shared by every input.
  func reset() {
    record.withLock { $0 = Record() }
  }

  func attach(_ pipe: any PipeConnection) -> Bool {
    record.withLock {
      $0.attached += 1
      $0.pipes[pipe.id] = pipe
    }
    return true
  }

  func received(_ message: Message, on pipe: PipeID) {
    let bytes = Array(message.header.readableBytesView) + Array(message.body.readableBytesView)
    record.withLock { $0.messages.append(bytes) }
  }

  func isReading(_ pipe: PipeID) -> Bool { true }

  func writabilityChanged(_ pipe: PipeID, writable: Bool, sequence: UInt64) {}

  func detach(_ pipe: PipeID, reason: SPError?) {
    record.withLock {
      $0.detached += 1
      $0.pipes[pipe] = nil
      if let reason { $0.failures.append(reason) }
    }
  }

  func connectionFailed(_ reason: SPError, peer: String) {
    record.withLock { $0.failures.append(reason) }
  }
}
