import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--pidfile PATH`: the running command's process id in a file, for `kill -HUP $(cat PATH)`
/// and for tools that watch a service; removed when the command exits.
struct PidFile {
  let path: String

  /// Writes this process's id to `path`.
  ///
  /// - Throws: ``CommandFailure`` when the file names a process that is still running (another
  ///   `starling run` with the same pidfile), or cannot be written.
  static func create(at path: String) throws -> PidFile {
    if let text = try? String(contentsOfFile: path, encoding: .utf8),
      let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, pid != getpid(),
      kill(pid, 0) == 0 || errno == EPERM
    {
      throw CommandFailure(
        "the pidfile \(path) names process \(pid), which is running: is another starling using it? "
          + "(remove the file if that process is not starling)")
    }
    do {
      try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw CommandFailure("cannot write the pidfile \(path): \(Self.reason(error))")
    }
    return PidFile(path: path)
  }

  /// Removes the file, if it still holds this process's id.
  func remove() {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) == getpid()
    else { return }
    unlink(path)
  }

  private static func reason(_ error: any Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(CInt(code))).lowercased()
    }
    return error.localizedDescription
  }
}
