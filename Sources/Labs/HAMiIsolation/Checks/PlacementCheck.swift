import Foundation
import LabPipeline

/// Exercise 8 (a cluster's): PASS iff the two pods annotated `hami.io/node-scheduler-policy:
/// binpack` run on one node and the two annotated `spread` on two.
///
/// Setup first (``HAMiCatalog/placement(policy:)``, one `-o jsonpath` line per pod: name,
/// scheduler, node, policy, as the API server holds them): a pod that HAMi's scheduler did not
/// place (`.spec.schedulerName` other than `hami-scheduler`), or whose annotation is not its
/// policy, proves nothing about the policy: INCONCLUSIVE naming it. A pair whose witness holds and
/// whose nodes contradict its policy is a FAIL, whatever the other pair shows, unless the load
/// captured before its second pod (``HAMiNodeLoad``) shows that HAMi's node score made that node
/// the policy's own choice (a busy shared cluster): INCONCLUSIVE, naming the scores.
struct PlacementCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "8", "Placement (node policy)",
    criteria: "binpack puts two share pods on one node, spread on two")
  static let scheduler = "hami-scheduler"

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let gpuNodes = evidence.bundle.run.parameters["cluster_gpu_nodes"]?.names ?? []
    guard gpuNodes.count >= 2 else {
      throw Inconclusive(
        reason: "placement needs two GPU nodes; run.json's cluster_gpu_nodes lists \(gpuNodes.count)")
    }
    var placed: [String] = []
    for policy in HAMiCatalog.placementPolicies {
      let file = HAMiCatalog.placement(policy: policy)
      guard let artifact = evidence.bundle.artifact(file) else {
        outcome.gaps.append("\(file) missing")
        continue
      }
      outcome.cite(artifact)
      var nodes: [String: String] = [:]
      var witnessed = true
      let witnessLines = artifact.sections.filter { $0.command?.contains("schedulerName") == true }.flatMap(
        \.lines)
      for pod in HAMiCatalog.placementPods(policy: policy) {
        guard let line = witnessLines.first(where: { $0.split(separator: " ").first.map(String.init) == pod })
        else {
          outcome.gaps.append("no scheduler/node/policy line for \(pod) in \(file)")
          witnessed = false
          continue
        }
        outcome.excerpt.append(line)
        let fields = line.split(separator: " ").map(String.init)
        let scheduler = fields.count > 1 ? fields[1] : ""
        let node = fields.count > 2 ? fields[2] : ""
        let annotation = fields.count > 3 ? fields[3] : ""
        if scheduler != Self.scheduler {
          outcome.gaps.append(
            "\(pod) was placed by \(scheduler.isEmpty ? "no scheduler named" : scheduler), not \(Self.scheduler): "
              + "its node says nothing of HAMi's policy")
          witnessed = false
        } else if annotation != policy {
          outcome.gaps.append(
            "the API shows \(pod) with hami.io/node-scheduler-policy=\(annotation.isEmpty ? "(none)" : annotation), "
              + "not \(policy)")
          witnessed = false
        } else if node.isEmpty {
          outcome.gaps.append("\(pod) has no node: it was not scheduled")
          witnessed = false
        } else {
          nodes[pod] = node
        }
      }
      guard witnessed else { continue }
      let pods = HAMiCatalog.placementPods(policy: policy)
      let distinct = Set(nodes.values)
      let where_ = pods.compactMap { pod in nodes[pod].map { "\(pod) on \($0)" } }.joined(separator: ", ")
      let contradiction: String? =
        switch policy {
        case "binpack" where distinct.count != 1:
          "binpack spread the pods over \(distinct.count) nodes (\(where_))"
        case "spread" where distinct.count != 2: "spread put both pods on one node (\(where_))"
        default: nil
        }
      guard let contradiction else {
        placed.append("\(policy): \(distinct.sorted().joined(separator: " and "))")
        continue
      }
      let load = HAMiNodeLoad.read(artifact, nodes: gpuNodes)
      if let second = nodes[pods[1]],
        let why = Self.explained(
          policy: policy, second: second, load: load, nodes: gpuNodes,
          requestMiB: evidence.bundle.run.parameters["placement_mib"]?.wholeNumber ?? 0)
      {
        outcome.gaps.append("\(contradiction), but \(why) (\(file))")
      } else {
        outcome.failures.append(
          contradiction + (load.allocationsCaptured ? " (node scores \(load.summary))" : ""))
      }
    }
    if let decided = outcome.decided { return decided }
    return Finding(.pass, placed.joined(separator: "; "))
  }

  /// Why a pair that contradicts its policy says nothing of the policy, if so: when the second
  /// pod was placed (the load captured before it, ``HAMiNodeLoad``), its node was already the
  /// policy's own choice by HAMi's node score among the nodes with room for it (spread: no
  /// lower score; binpack: no higher), as other teams' pods on a shared cluster can make it.
  /// nil (a FAIL) when another node with room scored better, or the load is not all known.
  static func explained(policy: String, second: String, load: HAMiNodeLoad, nodes: [String], requestMiB: Int)
    -> String?
  {
    guard load.allocationsCaptured, nodes.allSatisfy({ load.scores[$0] != nil }),
      let chosen = load.scores[second]
    else { return nil }
    let roomy = nodes.filter { $0 != second && (load.free.perNode[$0] ?? 0) >= requestMiB }
    let better = roomy.filter { node in
      let score = load.scores[node] ?? chosen
      return policy == "spread" ? score < chosen : score > chosen
    }
    guard better.isEmpty else { return nil }
    return "when the second pod was placed \(second) had the \(policy == "spread" ? "lowest" : "highest") "
      + "HAMi node score of the nodes with room for it (\(load.summary)): the load of other pods decided it, "
      + "so the pair says nothing of the policy"
  }
}
