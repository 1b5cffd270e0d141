import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

@Suite struct ValidationPageTests {
  static func examplePage() throws -> String {
    let bundle = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated"))
    return ValidationPageRenderer.markdown(try LabRegistry.verify(bundle))
  }

  /// Set LABRUN_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change.
  @Test func exampleRunMatchesGoldenPage() throws {
    let page = try Self.examplePage()
    let golden = try Fixtures.golden("a6000-validated.md")
    if ProcessInfo.processInfo.environment["LABRUN_UPDATE_GOLDEN"] == "1" {
      try Data(page.utf8).write(to: golden)
    }
    let expected = try Data(contentsOf: golden)
    #expect(
      Data(page.utf8) == expected, "the page differs from \(golden.path); diff it, then update if intended")
  }

  /// Golden pages of the other fixtures, rendered from copies with computed SHA256SUMS.
  @Test(arguments: [
    "h100-validated", "runc-default-runtime", "probe-b-missing", "simulated", "hami-lab7-k3s",
    "hami-lab7-no-cap",
  ])
  func fixturePagesMatchGoldenPages(fixture: String) throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle(fixture), checksums: .compute)
    defer { copy.remove() }
    let page = ValidationPageRenderer.markdown(
      try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory)))
    let golden = try Fixtures.golden("\(fixture).md")
    if ProcessInfo.processInfo.environment["LABRUN_UPDATE_GOLDEN"] == "1" {
      try Data(page.utf8).write(to: golden)
    }
    #expect(Data(page.utf8) == (try Data(contentsOf: golden)), "the page differs from \(golden.path)")
  }

  @Test func renderingTwiceGivesIdenticalBytes() throws {
    #expect(try Self.examplePage() == Self.examplePage())
    let bundle = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated"))
    let report = try LabRegistry.verify(bundle)
    #expect(try ValidationPageRenderer.json(report) == ValidationPageRenderer.json(report))
  }

  /// Acceptance 1: the facts and verdicts of the hand-written example page.
  @Test(arguments: [
    "**STATUS: ✅ VALIDATED** - captured on a real NVIDIA RTX A6000 (Hyperstack), 2026-06-23.",
    "| Date | 2026-06-23 (run.json started_at) |",
    "| Machine | Hyperstack GPU VM (optimistic-fermi), Ubuntu 22.04 (provider: run.json; node: 0-k8s-nodes.txt; OS: 0-os.txt) |",
    "NVIDIA RTX A6000, 48 GB (49140 MiB), UUID GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552; Ampere, no MIG",
    "| Driver | 535.183.06 (CUDA 12.4) (0-host-gpu.txt) |",
    "default-runtime: nvidia",
    "HAMi 2.9.0",
    "hami-device-plugin 2/2 Running, hami-scheduler 2/2 Running (hami-pods.txt)",
    "node allocatable nvidia.com/gpu = 10",
    "devmem:49140, devcore:100, type:\"NVIDIA RTX A6000\", mode:\"hami-core\"",
    "| 1 | Co-residency | two pods on one physical GPU | ✅ hami-share-a + hami-share-b both Running on optimistic-fermi |",
    "✅ both pods report 0MiB / 8000MiB, not the real 49140 MiB",
    "✅ cudaMalloc refused after 7680 MiB; [HAMI-core ERROR] ... Device 0 OOM 8594128896 / 8388608000 (8388608000 B = exactly 8000 MiB), while the card had ~40 GB free",
    "✅ hami-oversubscribe (45000 MiB) Pending - FilteringFailed ... CardInsufficientMemory",
    "✅ env CUDA_DEVICE_MEMORY_LIMIT_0=8000m, CUDA_DEVICE_SM_LIMIT=0; library /usr/local/vgpu/libvgpu.so; NVIDIA_VISIBLE_DEVICES=GPU-d3d0a942-…",
    "- Two tenants share one physical GPU (Exercise 1)",
    "the container is shown an 8 GB card (Exercise 2), and a CUDA allocation is refused at 8 GB while ~40 GB physically remained (Exercise 3)",
    "the HAMi scheduler refuses a 45000 MiB pod beside two 8000 MiB slices (CardInsufficientMemory)",
    "HAMi-core is injected as libvgpu.so and reads CUDA_DEVICE_MEMORY_LIMIT_0=8000m",
    "## Scope limits",
    "This is software isolation (user-space CUDA interception), not MIG hardware fault isolation",
  ])
  func examplePageFacts(_ fact: String) throws {
    #expect(try Self.examplePage().contains(fact))
  }

  @Test func pageCitesEveryArtifactWithItsDigest() throws {
    let page = try Self.examplePage()
    let bundle = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated"))
    for name in [
      "1-co-residency.txt", "2-3-probe-memory-a.txt", "2-3-probe-memory-b.txt", "4-oversubscribe-status.txt",
      "4-oversubscribe-events.txt", "5-probe-mechanism-a.txt",
    ] {
      let artifact = try #require(bundle.artifact(name))
      #expect(page.contains("\(name) (sha256:\(artifact.shortDigest))"))
    }
  }

  @Test func failedPageProvesOnlyWhatPassed() throws {
    let copy = try EvidenceFixture(
      copying: Fixtures.bundle("view-virtualized-no-cap"), checksums: .compute)
    defer { copy.remove() }
    let report = try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory))
    let page = ValidationPageRenderer.markdown(report)
    #expect(page.contains("**STATUS: ❌ FAILED**"))
    #expect(!page.contains("captured on a real"))
    #expect(page.contains("❌ FAIL: hami-share-a was refused only after 48896 MiB"))
    #expect(!page.contains("(Exercise 3)"))
    #expect(page.contains("a virtualized view; on its own that is no proof of a cap"))
  }

  @Test func simulatedPageClaimsNothingAboutHardware() throws {
    let copy = try EvidenceFixture(copying: Fixtures.bundle("simulated"), checksums: .compute)
    defer { copy.remove() }
    let page = ValidationPageRenderer.markdown(
      try LabRegistry.verify(EvidenceBundle.load(directory: copy.directory)))
    #expect(page.contains("**STATUS: 🧪 SIMULATED** - produced on the simulated GPU host, 2026-06-23"))
    #expect(!page.contains("captured on a real"))
    #expect(!page.contains("- Two tenants share"))
    #expect(page.contains("| Machine | simulated GPU host"))
  }

  @Test func jsonFormHasTheIssuesShape() throws {
    let bundle = try EvidenceBundle.load(directory: Fixtures.bundle("a6000-validated"))
    let data = try ValidationPageRenderer.json(LabRegistry.verify(bundle))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["status"] as? String == "VALIDATED")
    #expect(object["date"] as? String == "2026-06-23")
    let environment = try #require(object["environment"] as? [String: Any])
    #expect(environment["gpu"] as? String == "NVIDIA RTX A6000")
    #expect(environment["gpu_memory_mib"] as? Int == 49140)
    #expect(environment["gpu_uuid"] as? String == "GPU-d3d0a942-4b02-e4bc-b07e-485c8d2c8552")
    #expect(environment["driver"] as? String == "535.183.06")
    #expect(environment["kubernetes"] as? String == "v1.33.1+k3s1")
    let exercises = try #require(object["exercises"] as? [[String: Any]])
    #expect(exercises.compactMap { $0["id"] as? String } == ["1", "2", "3", "4", "5"])
    for exercise in exercises {
      #expect(exercise["verdict"] as? String == "PASS")
      #expect(exercise["title"] is String)
      #expect(exercise["reason"] is String)
      let evidence = try #require(exercise["evidence"] as? [[String: Any]])
      #expect(!evidence.isEmpty)
      #expect(evidence.allSatisfy { ($0["file"] is String) && ($0["sha256"] as? String)?.count == 64 })
    }
  }
}
