import Foundation

import struct StarlingChannels.Lock

/// Reads a file descriptor that may block for ever (a pipe, a terminal) on a thread of its
/// own, handing the chunks to async code one at a time: the thread reads the next chunk only
/// after the previous one was taken, so a slow pipeline slows the reading (backpressure).
///
/// A cancelled ``next()`` returns at once; the thread, stuck in `read`, ends at the next
/// chunk or end of input (or with the process).
final class BlockingReader: Sendable {
  private struct State {
    var chunk: [UInt8]?
    var finished = false
    var failure: String?
    var waiter: CheckedContinuation<Void, Never>?
    var closed = false
  }

  private let state = Lock.make(State())
  /// Signalled each time a chunk is taken, or on close: the thread may read again.
  private let taken = DispatchSemaphore(value: 0)

  /// Starts reading `descriptor` (which the reader does not close).
  init(descriptor: Int32) {
    let thread = Thread { [self] in readLoop(descriptor) }
    thread.name = "starling-stdin"
    thread.start()
  }

  private func readLoop(_ descriptor: Int32) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      let failure = count < 0 ? String(cString: strerror(errno)) : nil
      let chunk = count > 0 ? Array(buffer[0..<count]) : nil
      let (waiter, closed) = state.withLock { state in
        if let chunk { state.chunk = chunk } else { state.finished = true }
        state.failure = failure
        defer { state.waiter = nil }
        return (state.waiter, state.closed)
      }
      waiter?.resume()
      if chunk == nil || closed { return }
      taken.wait()
      if state.withLock({ $0.closed }) { return }
    }
  }

  /// The next chunk; `nil` at end of input or once the task is cancelled.
  ///
  /// - Throws: ``PipelineError/invalidArgument(_:)`` naming the cause when reading fails.
  func next() async throws -> [UInt8]? {
    while !Task.isCancelled {
      enum Step {
        case chunk([UInt8])
        case end
        case failure(String)
        case wait
      }
      let step: Step = state.withLock { state in
        if let chunk = state.chunk {
          state.chunk = nil
          return .chunk(chunk)
        }
        if let failure = state.failure { return .failure(failure) }
        return state.finished ? .end : .wait
      }
      switch step {
      case .chunk(let chunk):
        taken.signal()
        return chunk
      case .end: return nil
      case .failure(let reason): throw PipelineError.invalidArgument("cannot read: \(reason)")
      case .wait:
        await withTaskCancellationHandler {
          await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
              if state.chunk != nil || state.finished || state.closed || Task.isCancelled { return true }
              state.waiter = continuation
              return false
            }
            if resumeNow { continuation.resume() }
          }
        } onCancel: {
          let waiter = state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
          }
          waiter?.resume()
        }
      }
    }
    return nil
  }

  /// Tells the thread to stop after the read it is in.
  func close() {
    let waiter = state.withLock { state in
      state.closed = true
      defer { state.waiter = nil }
      return state.waiter
    }
    waiter?.resume()
    taken.signal()
  }
}
