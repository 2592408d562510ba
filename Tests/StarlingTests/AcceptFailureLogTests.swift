import Foundation
import NIOCore
import Testing

@testable import Starling

/// When a listener that cannot accept says so: at once, then at most once per interval with the
/// attempts it did not tell of, and once when it accepts again.
@Suite(.timeLimit(.minutes(5))) struct AcceptFailureLogTests {
  @Test func failuresAreToldAtOnceThenOncePerIntervalWithTheCountAndTheRecovery() {
    var log = AcceptFailureLog(interval: .seconds(10))
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    #expect(log.accepted() == nil)
    #expect(log.failed(at: start) == 1)
    #expect(log.failed(at: start + .milliseconds(100)) == nil)
    #expect(log.failed(at: start + .seconds(9)) == nil)
    #expect(log.failed(at: start + .seconds(10)) == 3)
    #expect(log.failed(at: start + .seconds(11)) == nil)
    #expect(log.accepted() == 5)
    #expect(log.accepted() == nil)
    // A new run of failures is told at once again.
    #expect(log.failed(at: start + .seconds(12)) == 1)
  }

  @Test func onlyRunningOutOfAResourceBacksOffAndTheLineNamesIt() {
    #expect(AcceptFailureHandler.exhaustion(EMFILE)?.contains("EMFILE") == true)
    #expect(AcceptFailureHandler.exhaustion(ENFILE)?.contains("ENFILE") == true)
    #expect(AcceptFailureHandler.exhaustion(ENOBUFS)?.contains("ENOBUFS") == true)
    #expect(AcceptFailureHandler.exhaustion(ENOMEM)?.contains("ENOMEM") == true)
    // A connection its peer aborted before it was accepted affects no other.
    #expect(AcceptFailureHandler.exhaustion(ECONNABORTED) == nil)
  }
}
