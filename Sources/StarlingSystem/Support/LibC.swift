#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C library calls that Swift's Glibc module does not show (their header declares them for
/// `_GNU_SOURCE` only), found by name at run time.
enum LibC {
  /// `pipe2(fds, O_CLOEXEC)`: a pipe whose ends no concurrently spawned child inherits.
  static func closeOnExecPipe() -> (read: Int32, write: Int32)? {
    var ends: [Int32] = [-1, -1]
    #if canImport(Darwin)
    guard pipe(&ends) == 0 else { return nil }
    // Darwin has no pipe2: a child another thread spawns in between could inherit the ends.
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    #else
    guard let pipe2 = pipe2Function, pipe2(&ends, Int32(O_CLOEXEC)) == 0 else { return nil }
    #endif
    return (ends[0], ends[1])
  }

  #if !canImport(Darwin)
  private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
  private typealias AddChangeDirectory =
    @convention(c) (
      UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32

  private typealias AddCloseFrom =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

  private static let addCloseFromFunction: AddCloseFrom? = dlsym(
    nil, "posix_spawn_file_actions_addclosefrom_np"
  )
  .map { unsafeBitCast($0, to: AddCloseFrom.self) }
  private static let pipe2Function: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
  private static let addChangeDirectoryFunction: AddChangeDirectory? = dlsym(
    nil, "posix_spawn_file_actions_addchdir_np"
  ).map { unsafeBitCast($0, to: AddChangeDirectory.self) }
  #endif

  /// `posix_spawn_file_actions_addclosefrom_np(actions, first)`: the child closes every
  /// descriptor from `first` up. SwiftNIO opens its sockets without close-on-exec, so without
  /// this a child would hold every connection of this process open. `false` if the C library
  /// does not have it (glibc before 2.34).
  static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ first: Int32) -> Bool {
    #if canImport(Darwin)
    return false
    #else
    guard let add = addCloseFromFunction else { return false }
    return add(&actions, first) == 0
    #endif
  }

  /// `posix_spawn_file_actions_addchdir_np`: `false` if the C library does not have it (glibc
  /// before 2.29).
  static func addChangeDirectory(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Bool {
    #if canImport(Darwin)
    return posix_spawn_file_actions_addchdir_np(&actions, directory) == 0
    #else
    guard let add = addChangeDirectoryFunction else { return false }
    return add(&actions, directory) == 0
    #endif
  }
}
