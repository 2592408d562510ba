#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`.
///
/// `Synchronization.Mutex` would do, but on Linux ThreadSanitizer cannot see its futex-based
/// locking and reports every guarded access as a race; a pthread mutex it understands. The
/// design is NIO's `NIOLockedValueBox`: the value and the mutex share one allocation.
@usableFromInline
package struct Lock<State>: @unchecked Sendable {
  // @unchecked: the state is only reached through `withLock`, which holds the mutex.
  @usableFromInline let storage: LockStorage<State>

  /// A lock guarding `state`.
  @inlinable
  package static func make(_ state: State) -> Lock<State> {
    Lock(storage: LockStorage.make(state))
  }

  @inlinable
  init(storage: LockStorage<State>) {
    self.storage = storage
  }

  /// Runs `body` with the state, holding the lock.
  @inlinable
  package func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
    try storage.withLock(body)
  }
}

/// The state and its mutex in one allocation.
@usableFromInline
package final class LockStorage<State>: ManagedBuffer<State, pthread_mutex_t> {
  @inlinable
  static func make(_ state: State) -> LockStorage<State> {
    let buffer = Self.create(minimumCapacity: 1) { _ in state }
    // ManagedBuffer.create returns an instance of the class it was called on.
    let storage = unsafeDowncast(buffer, to: LockStorage<State>.self)
    storage.withUnsafeMutablePointerToElements { mutex in
      var attributes = pthread_mutexattr_t()
      pthread_mutexattr_init(&attributes)
      #if DEBUG && os(Linux)
      pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ERRORCHECK))
      #elseif os(Linux)
      // Adaptive: a thread that finds the mutex held spins briefly before it sleeps in the
      // kernel. The sections these locks guard are a few dozen instructions, so the holder is
      // usually done within the spin; a plain mutex would put the thread to sleep and wake it
      // again with two system calls (Go's runtime lock spins first for the same reason).
      pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
      #endif
      let error = pthread_mutex_init(mutex, &attributes)
      precondition(error == 0, "pthread_mutex_init failed: \(error)")
      pthread_mutexattr_destroy(&attributes)
    }
    return storage
  }

  deinit {
    // ManagedBuffer's own deinit destroys the state; the mutex is ours to destroy.
    withUnsafeMutablePointerToElements { mutex in
      pthread_mutex_destroy(mutex)
      mutex.deinitialize(count: 1)
    }
  }

  @inlinable
  func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
    try withUnsafeMutablePointers { state, mutex in
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      return try body(&state.pointee)
    }
  }
}
