/// Why a network output could not deliver an event.
enum NetworkError: Error, Hashable, CustomStringConvertible {
  /// The connection to the address could not be made.
  case connectFailed(String, String)
  /// The connection broke while writing.
  case writeFailed(String, String)
  /// An HTTP server answered with a status that is not 2xx.
  case httpStatus(url: String, status: Int, body: String)
  /// An HTTP request got no complete answer in time.
  case httpTimeout(url: String)
  /// A request can no longer be answered: it timed out, or its connection closed.
  case requestGone(String)

  var description: String {
    switch self {
    case .connectFailed(let address, let reason): return "cannot connect to \(address): \(reason)"
    case .writeFailed(let address, let reason): return "cannot write to \(address): \(reason)"
    case .httpStatus(let url, let status, let body):
      return "POST \(url) answered \(status)" + (body.isEmpty ? "" : ": \(body)")
    case .httpTimeout(let url): return "POST \(url) got no answer in time"
    case .requestGone(let origin):
      return "the request from \(origin) can no longer be answered (it timed out, or its connection closed)"
    }
  }
}
