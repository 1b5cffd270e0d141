import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// The page of an existing cluster (`--kubeconfig`): each GPU node's card comes from HAMi's
/// registration (labrun has no shell on the nodes) and the page says so; nodes HAMi did not
/// register are listed, not judged; with one GPU node, 8 and 9 say INCONCLUSIVE as on a
/// provisioned cluster with one. The real Lab 7 bundle filed as a node's, without the node's own
/// nvidia-smi, as an existing cluster's run leaves it.
@Suite struct ExistingClusterPageTests {
  static let node = ClusterChecksTests.realNode

  /// The Lab 7 node's files as an existing cluster's run files them: no `0-host-gpu@NODE.txt`,
  /// run.json's target naming the cluster, `cpu-node-3` not registered.
  static func existing(nodes: [String]) throws -> EvidenceBundle {
    let cluster = try ClusterChecksTests.cluster(
      nodes: nodes, parameters: ["cluster_cpu_nodes": .array([.string("cpu-node-3")])])
    var run = cluster.run
    var target = TargetInfo(name: "ml@8bce85a5ae16", kind: .kubeconfig)
    target.cluster = ExistingClusterIdentity(context: "ml", serverSHA256: String(repeating: "8b", count: 32))
    run.target = target
    var artifacts = cluster.artifacts
    artifacts[EvidenceBundle.fileName(HAMiCatalog.hostGPU, node: node)] = nil
    return EvidenceBundle(
      run: run, artifacts: Array(artifacts.values), integrity: .verified(fileCount: artifacts.count),
      provenance: .recorded)
  }

  @Test func eachNodesCardIsHAMisRegistrationAndThePageSaysSo() throws {
    let bundle = try Self.existing(nodes: [Self.node, "s3"])
    let rows = HAMiIsolationLab().environment(of: bundle).rows
    let gpu = try #require(rows.first { $0.item == "GPU node \(Self.node)" }?.value)
    #expect(gpu.contains("node-allocatable@\(Self.node).txt"), "\(gpu)")
    #expect(!gpu.contains("0-host-gpu"), "\(gpu)")
    #expect(gpu.contains("as HAMi registered them (hami.io/node-nvidia-register"), "\(gpu)")
    #expect(gpu.contains("labrun has no shell on an existing cluster's nodes"))
    let skipped = rows.first { $0.item == "Nodes without a GPU HAMi registered" }?.value
    #expect(skipped?.hasPrefix("cpu-node-3: no hami.io/node-nvidia-register; listed and skipped") == true)
    let lab = HAMiIsolationLab()
    let page = lab.page(
      results: lab.results(for: bundle), environment: lab.environment(of: bundle), bundle: bundle)
    #expect(page.scopeLimits.joined().contains("2 GPU node(s) under one existing Kubernetes cluster"))
    // A provisioned cluster's rows do not claim the registration as their only source.
    let provisioned = try ClusterChecksTests.cluster(nodes: [Self.node, "s3"])
    let row = HAMiIsolationLab().environment(of: provisioned).rows.first {
      $0.item == "GPU node \(Self.node)"
    }
    #expect(row.map { !$0.value.contains("as HAMi registered them") } == true)
  }

  /// The node's exercises judge without the node's nvidia-smi: its card is the registration.
  @Test func aNodesExercisesJudgeOnItsRegistrationAlone() throws {
    let results = HAMiIsolationLab().results(for: try Self.existing(nodes: [Self.node]))
    #expect(results.count == 7)
    for id in 1...5 {
      let result = try #require(results.first { $0.id == "\(id)@\(Self.node)" })
      #expect(result.verdict == .pass, "\(result.id): \(result.reason)")
      #expect(result.evidence.allSatisfy { !$0.file.hasPrefix("0-host-gpu") }, "\(result.evidence)")
    }
    for id in ["8", "9"] {
      let result = try #require(results.first { $0.id == id })
      #expect(
        result.verdict == .inconclusive && result.reason.contains("needs two GPU nodes"), "\(result.reason)")
    }
  }

  /// run.json's `target.cluster` is read back: the page knows a bundle is an existing cluster's.
  @Test func runJSONsClusterIdentityIsReadBack() throws {
    let json = """
      {"schema": "labrun.run/v1", "target": {"name": "ml@8bce85a5ae16", "kind": "simulated",
       "cluster": {"context": "ml", "server_sha256": "8bce"}}, "parameters": {}}
      """
    let run = try RecordedRun(json: Data(json.utf8))
    #expect(run.target?.cluster == ExistingClusterIdentity(context: "ml", serverSHA256: "8bce"))
    let host = try RecordedRun(json: Data(#"{"target": {"name": "gpu-vm", "kind": "ssh"}}"#.utf8))
    #expect(host.target != nil && host.target?.cluster == nil)
  }
}
