import Foundation
import TestSupport
import Testing

@testable import Labs

/// The hami-core lab's stamp, run as the host runs it (dash as /bin/sh, bash for the clock):
/// each line comes back whole, behind the wall clock it arrived at, and reads back as such.
@Suite struct StampedLineTests {
  @Test func theLabsStampKeepsEachLineAndItsCaptureTime() async throws {
    let lines = ["sample 1 s: 61.20 TFLOPS", "  indented \\ with a backslash  ", ""]
    let before = Date().timeIntervalSince1970
    let result = await SpawnedProcess.completed(
      ["/bin/sh", "-c", "{ \(HAMiCoreProbeRun.stamp); }"],
      environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "de_DE.UTF-8"],
      stdin: lines.map { $0 + "\n" }.joined())
    let after = Date().timeIntervalSince1970
    #expect(result.status == 0, "\(result.output)")
    let stamped = result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
      StampedLine(String($0))
    }
    #expect(stamped.map(\.text) == lines, "\(result.output)")
    for line in stamped {
      let time = try #require(line.capturedAt, "\(result.output)")
      #expect(time >= before - 1 && time <= after + 1)
    }
  }
}
