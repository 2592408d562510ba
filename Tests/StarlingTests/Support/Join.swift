import Foundation
import Starling

/// A fresh inproc address for one test.
func inprocName(_ name: String = #function) -> String {
  "inproc://\(name)-\(UUID().uuidString)"
}

/// Makes `listener` listen on a fresh inproc name and `dialer` dial it.
func join(_ listener: some Socket, _ dialer: some Socket, name: String = #function) async throws {
  let url = inprocName(name)
  try await listener.listen(url)
  try await dialer.dial(url)
}
