#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file an ipc listener made, known by its device and inode.
///
/// A listener removes its file when it closes; by then another listener may have taken the
/// path (after the first one's file was removed as stale, say). Removing only the file with the
/// same device and inode never deletes the newer listener's file.
package struct UnixSocketFile: Sendable {
  /// The file's path.
  package let path: String
  private let device: UInt64
  private let inode: UInt64

  /// The file now at `path`; `nil` if there is none.
  package init?(path: String) {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    self.path = path
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
  }

  /// Removes the file if it is still the one this value was made for.
  package func remove() {
    guard let current = UnixSocketFile(path: path), current.device == device, current.inode == inode else {
      return
    }
    unlink(path)
  }
}
