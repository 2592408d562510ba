import Foundation

/// Reads a pipe to its end on a thread of its own.
///
/// Blocking reads, not a `FileHandle.readabilityHandler`: the dispatch source behind one can
/// outlive its descriptor and corrupt memory, crashing the test process somewhere else later
/// (swift-corelibs-foundation #3276, swift-corelibs-libdispatch #949). Its own thread, not
/// Swift's pool: a blocked read there would hold one of the pool's two threads on the test
/// machines.
public enum PipeReader {
  /// Starts reading `handle`, handing each chunk to `deliver` as it comes and then `nil` at its
  /// end (or when reading fails). The thread holds the handle, so its descriptor stays open
  /// until the end is read: a child's output ends when the child, and everything that
  /// inherited the pipe, has exited.
  public static func start(_ handle: FileHandle, _ deliver: @escaping @Sendable ([UInt8]?) -> Void) {
    Thread {
      withExtendedLifetime(handle) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
          let count = read(handle.fileDescriptor, &buffer, buffer.count)
          if count < 0, errno == EINTR { continue }
          guard count > 0 else {
            deliver(nil)
            return
          }
          deliver(Array(buffer[..<count]))
        }
      }
    }.start()
  }
}
