import Foundation
import LabPipeline

/// Exercise 8 (a cluster's): PASS iff the two pods annotated `hami.io/node-scheduler-policy:
/// binpack` run on one node and the two annotated `spread` on two.
///
/// Setup first (``HAMiCatalog/placement(policy:)``, one `-o jsonpath` line per pod: name,
/// scheduler, node, policy, as the API server holds them): a pod that HAMi's scheduler did not
/// place (`.spec.schedulerName` other than `hami-scheduler`), or whose annotation is not its
/// policy, proves nothing about the policy: INCONCLUSIVE naming it. A pair whose witness holds and
/// whose nodes contradict its policy is a FAIL, whatever the other pair shows.
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
      switch policy {
      case "binpack" where distinct.count != 1:
        outcome.failures.append("binpack spread the pods over \(distinct.count) nodes (\(where_))")
      case "spread" where distinct.count != 2:
        outcome.failures.append("spread put both pods on one node (\(where_))")
      default:
        placed.append("\(policy): \(distinct.sorted().joined(separator: " and "))")
      }
    }
    if let decided = outcome.decided { return decided }
    return Finding(.pass, placed.joined(separator: "; "))
  }
}
