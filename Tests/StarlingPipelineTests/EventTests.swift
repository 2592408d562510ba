import Testing

@testable import StarlingPipeline

@Suite struct EventTests {
  @Test func dottedPathsReadAndWriteDataAndHeader() {
    var event = Event(data: ["user": ["name": "Ada", "langs": ["swift", "c"]]])
    #expect(event["data.user.name"] == "Ada")
    #expect(event["data.user.langs.1"] == "c")
    #expect(event["data.user.missing"] == nil)
    event["header.http.path"] = "/hello"
    #expect(event.header["http"] == ["path": "/hello"])
    event["data.user.name"] = nil
    #expect(event["data.user"] == ["langs": ["swift", "c"]])
    #expect(event["ttl"] == .int(Event.defaultTTL))
    event["data.user.langs.0"] = "rust"
    event["data.user.langs.1"] = nil
    #expect(event["data.user.langs"] == ["rust"])
    event["header.http.method"] = "GET"
    #expect(event["header"] == ["http": ["path": "/hello", "method": "GET"]])
    event["header"] = ["only": true]
    #expect(event.header == ["only": true])
    event["data"] = 5
    #expect(event.data == 5 && event["data.x"] == nil)
  }

  @Test func clonesGetNewIdsAndRememberTheirOrigin() {
    let event = Event(data: "x")
    let clone = event.cloned()
    #expect(clone.id != event.id)
    #expect(clone.clonedFrom == [event.id])
    #expect(clone.cloned().clonedFrom == [event.id, clone.id])
  }

  @Test func jsonRoundTrips() throws {
    let value: EventValue = ["a": [1, 2.5, "x\n\"y\"", nil, true], "b": ["c": false], "é": "ü"]
    let text = JSON.encode(value)
    #expect(try JSON.decode(text) == value)
    #expect(String(decoding: JSON.encode(["b": 1, "a": 2]), as: UTF8.self) == #"{"a":2,"b":1}"#)
    #expect(try JSON.decode(#""\ud83d\ude00""#) == "😀")
  }

  @Test(arguments: ["{", "[1,]", "\"abc", "tru", "{\"a\" 1}", "1 2", "\"\\x\""])
  func badJsonSaysWhere(_ text: String) {
    #expect(throws: JSON.DecodingError.self) { try JSON.decode(text) }
  }
}
