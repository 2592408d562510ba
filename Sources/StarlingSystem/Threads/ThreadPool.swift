import NIOCore
import NIOPosix

/// Threads for blocking work: file I/O, C libraries that block, anything that must not run on
/// Swift's cooperative pool (which has one thread per core, and which every task in the process
/// shares: one blocked thread there stalls tasks that have nothing to do with it).
///
/// ```swift
/// let size = try await ThreadPool.shared.run {
///   try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
/// }
/// ```
///
/// Work runs in the order it was submitted, on as many threads as the pool has. A task
/// cancelled before its work starts gets `CancellationError` at once, and the work never runs;
/// work that has started runs to its end (blocking calls cannot be interrupted), and the caller
/// gets its result.
public final class ThreadPool: Sendable {
  /// The pool the library's own blocking work uses (``DNS``, ``ChildProcess``, the pipeline's
  /// file modules): four threads, or one per core on machines with more.
  public static let shared = ThreadPool(threads: max(4, System.coreCount))

  /// How many threads the pool runs.
  public let threads: Int

  private let pool: NIOThreadPool

  /// A pool of `threads` threads, started at once and stopped when the pool is released (after
  /// the work already submitted).
  ///
  /// - Precondition: `threads` is 1 or more.
  public init(threads: Int) {
    precondition(threads >= 1, "a ThreadPool needs at least one thread, not \(threads)")
    self.threads = threads
    pool = NIOThreadPool(numberOfThreads: threads)
    pool.start()
  }

  deinit {
    pool.shutdownGracefully { _ in }
  }

  /// Runs `body` on one of the pool's threads and returns what it returns.
  ///
  /// - Throws: what `body` throws; `CancellationError` if the calling task is cancelled
  ///   before `body` starts (it then never runs).
  public func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    let job = OnceContinuation<Result>()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        guard job.store(continuation) else {
          continuation.resume(throwing: CancellationError())
          return
        }
        pool.submit { state in
          // Taking the continuation is starting the work: cancellation can no longer take it.
          guard let continuation = job.take() else { return }
          guard state == .active else {
            continuation.resume(throwing: ThreadPoolError.stopped)
            return
          }
          continuation.resume(with: Swift.Result { try body() })
        }
      }
    } onCancel: {
      job.cancel()?.resume(throwing: CancellationError())
    }
  }
}

/// Why a ``ThreadPool`` did not run work.
public enum ThreadPoolError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The pool was stopping when the work's turn came.
  case stopped

  /// What happened, in words.
  public var description: String {
    switch self {
    case .stopped: "the thread pool stopped before the work could run"
    }
  }
}
