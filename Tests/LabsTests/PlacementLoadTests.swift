import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// Exercise 8 on a shared cluster: other teams' pods count in HAMi's node score (shares, cores
/// and memory handed out over each node's registered totals), so a pair on the "wrong" node is a
/// FAIL only when the load captured before its second pod shows another node with room that the
/// policy should have preferred; otherwise HAMi chose as its policy says, and the pair proves
/// nothing (INCONCLUSIVE, naming the scores).
@Suite struct PlacementLoadTests {
  /// `8-placement-POLICY.txt` with the load captured before the second pod (`allocations`:
  /// `NODE ALLOCATION` lines), then the pods and their witness lines.
  static func placement(_ policy: String, nodes: [String], allocations: [String]) -> String {
    ClusterChecksTests.free(s2: 49140, s3: 81559, allocations: allocations) + "\n"
      + ClusterChecksTests.placement(policy, nodes: nodes)
  }

  static func verdict(binpack: String, spread: String) throws -> ExerciseResult {
    try ClusterChecksTests.result(
      "8",
      try ClusterChecksTests.cluster(
        node: "s2", nodes: ["s2", "s3"],
        extra: [
          HAMiCatalog.placement(policy: "binpack"): binpack, HAMiCatalog.placement(policy: "spread"): spread,
        ],
        parameters: ["placement_mib": .int(8000)]))
  }

  static let binpacked = placement(
    "binpack", nodes: ["s2", "s2"], allocations: ["s2 GPU-aaaa,NVIDIA,8000,0:;"])

  /// s3 busy with another team's 70000 MiB: after the first spread pod, s2 still scores lower.
  @Test func spreadOnOneNodeThatOtherPodsLeftTheLeastLoadedIsInconclusive() throws {
    let spread = Self.placement(
      "spread", nodes: ["s2", "s2"],
      allocations: ["s3 GPU-bbbb,NVIDIA,70000,0:;", "s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let result = try Self.verdict(binpack: Self.binpacked, spread: spread)
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(result.reason.contains("s2 had the lowest HAMi node score"), "\(result.reason)")
    #expect(result.reason.contains("s2 0.263, s3 0.958"), "\(result.reason)")
  }

  /// s3 empty: spread should have taken it for the second pod.
  @Test func spreadOnOneNodeBesideAnEmptyOneFails() throws {
    let spread = Self.placement("spread", nodes: ["s2", "s2"], allocations: ["s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let result = try Self.verdict(binpack: Self.binpacked, spread: spread)
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("spread put both pods on one node"), "\(result.reason)")
    #expect(result.reason.contains("node scores s2 0.263, s3 0.000"), "\(result.reason)")
  }

  /// binpack's second pod on s3 although s2 (the first pod's) had room and the higher score.
  @Test func binpackSplitThoughTheFirstNodeHadRoomFails() throws {
    let binpack = Self.placement(
      "binpack", nodes: ["s2", "s3"], allocations: ["s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let spread = Self.placement("spread", nodes: ["s2", "s3"], allocations: ["s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let result = try Self.verdict(binpack: binpack, spread: spread)
    #expect(result.verdict == .fail, "\(result.reason)")
    #expect(result.reason.contains("binpack spread the pods over 2 nodes"), "\(result.reason)")
  }

  /// binpack's second pod on s3 because s2 had no room left for it (another team's pods).
  @Test func binpackSplitBecauseTheFirstNodeWasFullIsInconclusive() throws {
    let binpack = Self.placement(
      "binpack", nodes: ["s2", "s3"],
      allocations: ["s2 GPU-aaaa,NVIDIA,38000,0:;", "s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let spread = Self.placement("spread", nodes: ["s2", "s3"], allocations: ["s2 GPU-aaaa,NVIDIA,8000,0:;"])
    let result = try Self.verdict(binpack: binpack, spread: spread)
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(
      result.reason.contains("s3 had the highest HAMi node score of the nodes with room"), "\(result.reason)")
  }
}
