import StarlingChannels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the pipe the signal handler writes to. Set once, under the registry's
/// lock, before the first handler is installed, and never changed: the handler (which may run
/// on any thread, at any moment) only reads it.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The handler installed for every subscribed signal: writes the signal's number to the pipe
/// (`write` is async-signal-safe; the write end does not block, so a full pipe drops the byte).
private let signalHandler: @convention(c) (Int32) -> Void = { number in
  let saved = errno
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(signalPipeWriteEnd, &byte, 1)
  errno = saved
}

/// The process's signal subscriptions: installs the handler when a signal gets its first
/// subscriber, restores the previous action when it loses its last, and hands each delivery
/// (read from the pipe by a thread of its own) to the subscribers of its signal.
final class SignalRegistry: Sendable {
  static let shared = SignalRegistry()

  private struct State {
    var subscribers: [Int32: [ObjectIdentifier: SignalSubscription]] = [:]
    var previous: [Int32: sigaction] = [:]
    var reading = false
  }

  private let state = Lock.make(State())

  func subscribe(_ subscription: SignalSubscription) throws(SignalError) {
    for signal in subscription.signals {
      if signal == .kill || signal == .stop { throw .cannotBeCaught(signal) }
      if signal.rawValue <= 0 || signal.rawValue >= Self.signalCount { throw .unknownSignal(signal.rawValue) }
    }
    let failure = state.withLock { state -> SignalError? in
      if !state.reading {
        if let failure = startReading() { return failure }
        state.reading = true
      }
      let id = ObjectIdentifier(subscription)
      for signal in subscription.signals.map(\.rawValue) {
        if state.subscribers[signal, default: [:]].isEmpty {
          guard let previous = Self.install(signal) else {
            return .systemFailure(
              "sigaction(\(UnixSignal(rawValue: signal))): \(String(cString: strerror(errno)))")
          }
          state.previous[signal] = previous
        }
        state.subscribers[signal, default: [:]][id] = subscription
      }
      return nil
    }
    if let failure {
      unsubscribe(subscription)
      throw failure
    }
  }

  func unsubscribe(_ subscription: SignalSubscription) {
    let id = ObjectIdentifier(subscription)
    state.withLock { state in
      for signal in subscription.signals.map(\.rawValue) {
        guard state.subscribers[signal]?.removeValue(forKey: id) != nil else { continue }
        if state.subscribers[signal]?.isEmpty == true,
          var previous = state.previous.removeValue(forKey: signal)
        {
          state.subscribers[signal] = nil
          sigaction(signal, &previous, nil)
        }
      }
    }
    subscription.channel.close()
  }

  /// Whether `signal`'s action is the default one now.
  static func hasDefaultAction(_ signal: UnixSignal) -> Bool {
    var current = sigaction()
    sigaction(signal.rawValue, nil, &current)
    return Self.handler(of: current) == nil
  }

  private func deliver(_ number: Int32) {
    let subscribers = state.withLock { Array(($0.subscribers[number] ?? [:]).values) }
    for subscriber in subscribers { subscriber.deliver(UnixSignal(rawValue: number)) }
  }

  /// Makes the pipe and starts the thread that reads it. Called under the lock, once.
  private func startReading() -> SignalError? {
    guard let (readEnd, writeEnd) = LibC.closeOnExecPipe() else {
      return .systemFailure("cannot make a pipe: \(String(cString: strerror(errno)))")
    }
    _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
    signalPipeWriteEnd = writeEnd
    let started = DetachedThread.start { [self] in
      var bytes = [UInt8](repeating: 0, count: 64)
      while true {
        let count = bytes.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { return }
        for byte in bytes[0..<count] { deliver(Int32(byte)) }
      }
    }
    return started ? nil : .systemFailure("cannot start the thread that reads signals")
  }

  /// Installs the handler for `signal`; returns the action it replaces, or `nil` on failure.
  private static func install(_ signal: Int32) -> sigaction? {
    var action = sigaction()
    #if canImport(Glibc)
    action.__sigaction_handler = unsafeBitCast(
      signalHandler, to: sigaction.__Unnamed_union___sigaction_handler.self)
    #else
    action.__sigaction_u = unsafeBitCast(signalHandler, to: __sigaction_u.self)
    #endif
    action.sa_flags = SA_RESTART
    sigemptyset(&action.sa_mask)
    var previous = sigaction()
    return sigaction(signal, &action, &previous) == 0 ? previous : nil
  }

  /// The handler function of `action`, or `nil` for the default action.
  private static func handler(of action: sigaction) -> OpaquePointer? {
    #if canImport(Glibc)
    return OpaquePointer(unsafeBitCast(action.__sigaction_handler, to: UnsafeRawPointer?.self))
    #else
    return OpaquePointer(unsafeBitCast(action.__sigaction_u, to: UnsafeRawPointer?.self))
    #endif
  }

  /// Signal numbers run from 1 to one less than this (`NSIG`).
  #if os(Linux)
  private static let signalCount: Int32 = 65
  #else
  private static let signalCount: Int32 = 32
  #endif
}
