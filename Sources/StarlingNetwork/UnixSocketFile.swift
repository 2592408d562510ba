#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The socket file an ipc listener made, known by its device and inode.
///
/// A listener removes its file when it closes; by then another listener may have taken the
/// path (after the first one's file was removed as stale, say). Removing only the file with the
/// same device and inode does not delete the newer listener's file, as long as the first
/// file is removed while its socket still listens: a removed file's inode number is handed to
/// the next new file at once on ext4, so a file made after the first one was unlinked can
/// carry the same device and inode.
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
