import Foundation
import TestSupport
import Testing

/// Issue 12 item 7: a lab missing a file it references fails when it is loaded, naming the
/// file, before any command reaches the target.
@Suite struct LabFilesCheckTests {
  @Test(arguments: [
    ("hami-isolation-realgpu", "probes/probe.cu"), ("hami-isolation-realgpu", "manifests/gpu-pod.yaml"),
    ("hami-isolation-realgpu", "manifests/probe-configmap.yaml"),
    ("hami-core-isolation", "probes/memory-probe.cu"), ("hami-core-isolation", "probes/throughput-probe.cu"),
  ])
  func aLabCopiedWithoutAFileIsRefusedBeforeAnyChange(lab: String, missing: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let source = fixture.binary.labsDirectory.appendingPathComponent(lab)
    let copy = fixture.root.appending("my-lab")
    try FileManager.default.copyItem(at: source, to: copy)
    try FileManager.default.removeItem(at: copy.appendingPathComponent(missing))
    for command in ["up", "run", "plan"] {
      let result = try await fixture.labrun([command, "--host", "sim", "--lab", copy.path])
      #expect(result.status == 2, "\(command): \(result)")
      #expect(result.stderr.contains("labrun: error: "), "\(result.stderr)")
      #expect(result.stderr.contains("references \(missing)"), "\(command): \(result.stderr)")
    }
    // Nothing ran: no run was started and the simulated host was never set up.
    #expect(try fixture.runDirectories().isEmpty)
    #expect(!FileManager.default.fileExists(atPath: fixture.home.appendingPathComponent("sim").path))
  }
}
