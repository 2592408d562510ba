import StarlingPipeline

/// The events the condition, template and modify targets work on: every kind of value, nested,
/// under data, header and error.
enum SampleEvents {
  static let all: [Event] = {
    var failed = Event(
      data: [
        "level": "error", "code": 503, "ratio": 0.25, "message": "fatal: disk full", "ok": false,
        "tags": ["a", "b", ["c": 1]], "user": ["name": "Ada", "id": -7, "empty": [:]], "none": nil,
      ],
      header: ["source": "sensor", "muted": true, "http": ["path": "/x", "status": 200], "route": "a.b"])
    failed.error = EventError(module: "decode", kind: "DecodingError", message: "bad byte")
    return [
      failed, Event(data: .bytes([0x66, 0x6f, 0xff, 0x00])), Event(data: "just text", ttl: 0), Event(),
    ]
  }()
}
