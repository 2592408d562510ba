/// An error that ends `starling cat` or `starling bench` with one line on stderr.
enum CatError: Error, Equatable, CustomStringConvertible {
  /// The flags do not make sense together.
  case usage(String)
  /// Something failed while running.
  case failed(String)

  var description: String {
    switch self {
    case .usage(let text), .failed(let text): text
    }
  }
}
