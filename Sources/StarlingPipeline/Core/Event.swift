import Foundation

/// One event flowing through a pipeline.
///
/// `data` is the payload; `header` is metadata modules add on the way (where a message came
/// from, an HTTP path, a batch size). Both are ``EventValue``s and reachable by dotted path:
///
/// ```swift
/// var event = Event(data: ["user": ["name": "Ada"]])
/// event["header.http.path"] = "/hello"
/// print(event["data.user.name"]!)  // Ada
/// ```
public struct Event: Sendable {
  /// The event's id, unique within and across processes.
  public var id: EventID
  /// When the event was made, in seconds since 1970.
  public var timestamp: Double
  /// How many more modules may consume the event. Each module that consumes it takes one;
  /// at zero the event is dropped with a log line (this ends routing loops).
  public var ttl: Int
  /// The payload.
  public var data: EventValue
  /// Metadata, keyed by string.
  public var header: [String: EventValue]
  /// The ids of the events this one was cloned from, oldest first.
  public var clonedFrom: [EventID]
  /// What went wrong, once a module failed on this event.
  public var error: EventError?
  /// How to answer the caller this event came from, if it came with a request.
  public var reply: ReplyHandle?

  /// The time-to-live a new event starts with.
  public static let defaultTTL = 254

  /// Creates an event stamped with a new id and the current time.
  public init(data: EventValue = .null, header: [String: EventValue] = [:], ttl: Int = Event.defaultTTL) {
    self.id = EventID()
    self.timestamp = Date().timeIntervalSince1970
    self.ttl = ttl
    self.data = data
    self.header = header
    self.clonedFrom = []
    self.error = nil
    self.reply = nil
  }

  /// A copy with a new id that remembers this event's id in ``clonedFrom``.
  public func cloned() -> Event {
    var copy = self
    copy.id = EventID()
    copy.clonedFrom.append(id)
    return copy
  }

  /// The value at a dotted path: `data`, `data.a.b`, `header.x`, `id`, `timestamp`, `ttl`,
  /// `error.message`, `error.module`, `error.kind`. Setting works for `data…` and `header…`;
  /// setting `nil` deletes.
  public subscript(path: String) -> EventValue? {
    get {
      let (root, rest) = EventValue.head(path[...])
      switch root {
      case "data": return data[components: rest]
      case "header":
        if rest.isEmpty { return .object(header) }
        let (key, tail) = EventValue.head(rest)
        return header[String(key)]?[components: tail]
      case "id": return rest.isEmpty ? .string(id.description) : nil
      case "timestamp": return rest.isEmpty ? .double(timestamp) : nil
      case "ttl": return rest.isEmpty ? .int(ttl) : nil
      case "error": return error.map { $0.value[components: rest] } ?? nil
      default: return nil
      }
    }
    set {
      let (root, rest) = EventValue.head(path[...])
      switch root {
      case "data":
        data[components: rest] = newValue
      case "header":
        if rest.isEmpty {
          header = newValue?.objectValue ?? [:]
          return
        }
        let (key, tail) = EventValue.head(rest)
        if tail.isEmpty {
          header[String(key)] = newValue
        } else {
          var child = header.removeValue(forKey: String(key)) ?? .object([:])
          child[components: tail] = newValue
          header[String(key)] = child
        }
      default:
        break
      }
    }
  }

  /// The most components a path that is set may have (`data.a.b` has three): a deeper one
  /// would build a value nested deeper than the code that reads, copies and prints values can
  /// follow on a thread's stack.
  public static let maximumPathDepth = 64

  /// Whether ``subscript(_:)`` can set a path: only paths under `data` and `header` can, of at
  /// most ``maximumPathDepth`` components.
  public static func isWritable(_ path: String) -> Bool {
    let root = EventValue.head(path[...]).0
    guard root == "data" || root == "header" else { return false }
    var components = 1
    for byte in path.utf8 where byte == UInt8(ascii: ".") {
      components += 1
      if components > maximumPathDepth { return false }
    }
    return true
  }

  /// A path as an error message quotes it: at most its first 80 characters.
  static func shown(_ path: String) -> String {
    path.count > 80 ? path.prefix(80) + "…" : path
  }

  /// Whether a path starts at one of the roots ``subscript(_:)`` reads.
  public static func isReadable(_ path: String) -> Bool {
    ["data", "header", "id", "timestamp", "ttl", "error"].contains(EventValue.head(path[...]).0)
  }
}

extension Event: CustomStringConvertible {
  /// The event as one line of JSON (without its reply handle).
  public var description: String { String(decoding: JSON.encode(value), as: UTF8.self) }

  /// The whole event as a value: id, timestamp, ttl, data, header and, when set, cloned_from
  /// and error.
  public var value: EventValue {
    var map: [String: EventValue] = [
      "id": .string(id.description), "timestamp": .double(timestamp), "ttl": .int(ttl), "data": data,
      "header": .object(header),
    ]
    if !clonedFrom.isEmpty { map["cloned_from"] = .array(clonedFrom.map { .string($0.description) }) }
    if let error { map["error"] = error.value }
    return .object(map)
  }
}
