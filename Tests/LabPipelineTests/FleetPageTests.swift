import Foundation
import LabPipeline
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The fleet page, its recap and its exit status, from hosts' results as the runner makes them.
@Suite struct FleetPageTests {
  static func report(_ verdicts: [Verdict], status: ValidationStatus, gpu: String = "NVIDIA L4")
    -> ValidationReport
  {
    let exercises = verdicts.enumerated().map { index, verdict in
      ExerciseResult(
        id: "\(index + 1)", title: "exercise \(index + 1)", criteria: "c", verdict: verdict,
        reason: verdict == .pass ? "holds" : "tenant <b> & \"a\" saw 2 GPUs")
    }
    return ValidationReport(
      lab: "hami-isolation-realgpu", runID: "r", status: status, statusReasons: [], date: "2026-12-07",
      targetKind: status == .simulated ? "simulated" : "ssh",
      environment: EnvironmentSummary(gpu: gpu, driver: "535.183.06"), exercises: exercises,
      page: LabPage(
        title: "t", labPath: "l/", validatedBlurb: "", provesHeading: "", proves: [], scopeLimits: []),
      integrity: .verified(fileCount: 3), provenance: .recorded, provider: nil,
      startedAt: "2026-12-07T16:00:00Z")
  }

  static let pass5: [Verdict] = [.pass, .pass, .pass, .pass, .pass]

  /// Acceptance 1's shape: 8 simulated hosts, one FAIL, one failed step, the rest PASS.
  static var eight: [FleetHostResult] {
    (1...8).map { index in
      let host = "sim/gpu-0\(index)"
      switch index {
      case 3:
        return FleetHostResult(
          host: host, runID: "r3", exitStatus: 5, simulated: true,
          report: report([.pass, .fail, .pass, .pass, .pass], status: .simulated),
          page: "gpu-03/validation.md")
      case 5:
        return FleetHostResult(
          host: host, runID: "r5", exitStatus: 1, simulated: true, message: "up install-k3s failed: exit 1")
      default:
        return FleetHostResult(
          host: host, runID: "r\(index)", exitStatus: 0, simulated: true,
          report: report(pass5, status: .simulated),
          page: "gpu-0\(index)/validation.md")
      }
    }
  }

  @Test func recapCountsEachHostOnceAndTheExitStatusFollowsThePrecedence() {
    let recap = FleetRecap(Self.eight)
    #expect(recap.hosts == 8)
    #expect(recap.outcomes[.allPass] == 6)
    #expect(recap.outcomes[.anyFail] == 1)
    #expect(recap.outcomes[.stepFailed] == 1)
    #expect(recap.outcomes[.unreachable] == 0)
    #expect(recap.exitStatus == 5)
    #expect(
      recap.line
        == "8 hosts: 6 all PASS · 1 with a FAIL · 0 INCONCLUSIVE (no FAIL) · 1 stopped at a failed step · 0 unreachable"
    )
    #expect(recap.pageLine == nil, "simulated hosts have no VALIDATED/FAILED/INCOMPLETE pages")
  }

  @Test(
    arguments: [
      ([0, 0, 0], 0), ([0, 6, 3, 1], 1), ([6, 5, 130], 130), ([3, 6], 3), ([6, 0], 6), ([1, 5], 5),
      ([0, 4], 4), ([2, 64, 6], 6), ([], 0),
    ] as [([Int32], Int32)])
  func fleetExitStatus(statuses: [Int32], expected: Int32) {
    #expect(FleetExitStatus.combine(statuses) == expected)
  }

  @Test func realHostsCountTheirPageStatuses() {
    let hosts = [
      FleetHostResult(
        host: "gpu-a", exitStatus: 0, simulated: false, report: Self.report(Self.pass5, status: .validated)),
      FleetHostResult(
        host: "gpu-b", exitStatus: 6, simulated: false,
        report: Self.report([.pass, .inconclusive], status: .incomplete)),
      FleetHostResult(host: "gpu-c", exitStatus: 3, simulated: false, message: "connection refused"),
      FleetHostResult(
        host: "sim/x", exitStatus: 0, simulated: true, report: Self.report(Self.pass5, status: .simulated)),
    ]
    let recap = FleetRecap(hosts)
    #expect(recap.pageStatuses == [.validated: 1, .failed: 0, .incomplete: 1])
    #expect(recap.pageLine == "real hosts' pages: 1 VALIDATED · 0 FAILED · 1 INCOMPLETE")
    #expect(recap.outcomes[.unreachable] == 1)
    #expect(recap.outcomes[.inconclusive] == 1)
    #expect(recap.exitStatus == 3)
  }

  @Test func markdownHasARowPerHostWithGPUDriverStatusVerdictsAndPage() {
    let page = FleetPage(fleetID: "fleet-20261207T160000Z", lab: "hami-isolation-realgpu", hosts: Self.eight)
    let text = page.markdown()
    let rows = text.split(separator: "\n").filter { $0.hasPrefix("| sim/") }
    #expect(rows.count == 8)
    #expect(text.contains("| Host | GPU | Driver | Status | Ex. 1 | Ex. 2 | Ex. 3 | Ex. 4 | Ex. 5 | Page |"))
    #expect(
      rows[2]
        == "| sim/gpu-03 | NVIDIA L4 | 535.183.06 | with a FAIL (SIMULATED) | PASS | FAIL | PASS | PASS | PASS | [gpu-03/validation.md](gpu-03/validation.md) |"
    )
    #expect(
      rows[4]
        == "| sim/gpu-05 | — | — | stopped at a failed step: up install-k3s failed: exit 1 | — | — | — | — | — | — |"
    )
    #expect(text.contains("Exit status: 5"))
    #expect(text.hasPrefix("# Fleet fleet-20261207T160000Z: hami-isolation-realgpu\n\n**8 hosts: 6 all PASS"))
  }

  @Test func jsonCarriesTheRecapAndEveryHostWithSlashesUnescaped() throws {
    let page = FleetPage(fleetID: "f", lab: "l", hosts: Self.eight)
    let text = try page.json()
    #expect(text.contains("\"host\" : \"sim/gpu-01\""))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let recap = try #require(object["recap"] as? [String: Any])
    #expect(recap["exit_status"] as? Int == 5)
    #expect((recap["outcomes"] as? [String: Int])?["step-failed"] == 1)
    let hosts = try #require(object["hosts"] as? [[String: Any]])
    #expect(hosts.count == 8)
    #expect(hosts[2]["status"] as? String == "SIMULATED")
    #expect(hosts[4]["status"] is NSNull)
    #expect(hosts[4]["outcome"] as? String == "step-failed")
    #expect((hosts[2]["exercises"] as? [[String: Any]])?[1]["verdict"] as? String == "FAIL")
  }

  @Test func junitHasOneTestsuitePerHost() throws {
    let page = FleetPage(fleetID: "f", lab: "hami-isolation-realgpu", hosts: Self.eight)
    let xml = page.junit()
    let document = try XMLDocument(xmlString: xml)
    let suites = try document.nodes(forXPath: "/testsuites/testsuite").compactMap { $0 as? XMLElement }
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == Self.eight.map(\.host))
    #expect(suites[2].attribute(forName: "failures")?.stringValue == "1")
    #expect(try suites[4].nodes(forXPath: "testcase/error").count == 1)
    let root = try #require(document.rootElement())
    #expect(root.attribute(forName: "tests")?.stringValue == "36")
    #expect(root.attribute(forName: "failures")?.stringValue == "1")
    #expect(root.attribute(forName: "errors")?.stringValue == "1")
  }
}

/// A host's outcome after `up` or `down`, whose 0 says nothing about verdicts (issue 22).
@Suite struct FleetHostOutcomeTests {
  /// A 0 with no verdicts is `done`, never "all PASS"; a 0 beside verdicts (after `down`)
  /// takes the verdicts' outcome, so a FAIL is never counted as a PASS.
  @Test func zeroIsAllPassOnlyWithPassingVerdicts() {
    let report: ([Verdict], ValidationStatus, String) -> ValidationReport = {
      FleetPageTests.report($0, status: $1, gpu: $2)
    }
    #expect(FleetHostResult(host: "a", exitStatus: 0, simulated: true).outcome == .done)
    let failed = report([.pass, .fail], .simulated, "NVIDIA L4")
    #expect(FleetHostResult(host: "a", exitStatus: 0, simulated: true, report: failed).outcome == .anyFail)
    let open = report([.pass, .inconclusive], .simulated, "NVIDIA L4")
    #expect(FleetHostResult(host: "a", exitStatus: 0, simulated: true, report: open).outcome == .inconclusive)
    let passed = report([.pass, .pass], .simulated, "NVIDIA L4")
    #expect(FleetHostResult(host: "a", exitStatus: 0, simulated: true, report: passed).outcome == .allPass)
    let recap = FleetRecap([
      FleetHostResult(host: "a", exitStatus: 0, simulated: true),
      FleetHostResult(host: "b", exitStatus: 1, simulated: true),
    ])
    #expect(recap.line.hasSuffix("1 stopped at a failed step · 0 unreachable · 1 done"), "\(recap.line)")
  }
}
