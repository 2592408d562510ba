import ArgumentParser

/// The protocol a `starling cat` socket speaks, chosen with one of nngcat's protocol flags.
enum SocketKind: String, CaseIterable, Sendable, EnumerableFlag {
  case req0, rep0, pub0, sub0, push0, pull0, surveyor0, respondent0, pair0, pair1, bus0

  /// nngcat's flag and its alias without the version (`--pair` means pair1, as in nngcat).
  static func name(for value: SocketKind) -> NameSpecification {
    let alias = value == .pair1 ? "pair" : (value == .pair0 ? nil : String(value.rawValue.dropLast()))
    let names = [value.rawValue] + (alias.map { [$0] } ?? [])
    return NameSpecification(names.map { .customLong($0) })
  }

  static func help(for value: SocketKind) -> ArgumentHelp? {
    switch value {
    case .req0: "request/reply: send the data as a request and print the reply"
    case .rep0: "request/reply: print each request and answer it with the data"
    case .pub0: "publish the data"
    case .sub0: "print what is published (for the --subscribe topics; all without one)"
    case .push0: "pipeline: send the data"
    case .pull0: "pipeline: print what arrives"
    case .surveyor0: "send the data as a survey and print the responses until the deadline"
    case .respondent0: "print each survey and answer it with the data"
    case .pair0: "pair, version 0"
    case .pair1: "pair, version 1 (--pair)"
    case .bus0: "bus"
    }
  }

  /// Whether the protocol can send on its own initiative (rep and respondent only answer).
  var sendsData: Bool {
    switch self {
    case .req0, .pub0, .push0, .surveyor0, .pair0, .pair1, .bus0: true
    case .rep0, .sub0, .pull0, .respondent0: false
    }
  }
}
