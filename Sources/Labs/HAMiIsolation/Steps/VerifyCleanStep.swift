import Foundation
import LabPipeline

/// Says what is left, and fails if anything is. Every removal step before it checks again on
/// a rerun of `down` (``Step/rechecksWhenFinished``), so "run `labrun down` again" removes
/// what this step found instead of only verifying again.
struct VerifyCleanStep: Step {
  var id: String { "verify-clean" }
  var title: String { "Verify nothing of the lab is left" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    var left: [String] = []
    if try await !DeleteLabObjectsStep().check(ctx) {
      left.append("lab pods or ConfigMap (kubectl get pods,configmaps -l \(HAMiCatalog.partOfLabel))")
    }
    left += try await UninstallHAMiStep.leftovers(ctx)
    if try await !RemoveGPULabelStep().check(ctx) { left.append("the gpu=on node label") }
    let parameters = ctx.parameters
    if PurgeK3sStep.removes(parameters), try await ctx.hasCommand("k3s-uninstall.sh") {
      left.append("k3s (k3s-uninstall.sh is still installed)")
    }
    if PurgeToolkitStep.removes(parameters) {
      if try await PurgeToolkitStep.packageLeft(ctx) {
        left.append(
          "the NVIDIA Container Toolkit or its configuration (dpkg-query -W nvidia-container-toolkit)")
      }
      if try await ctx.run(PurgeToolkitStep.listFile).succeeded {
        left.append("the toolkit's apt source \(HAMiIsolationLab.toolkitList)")
      }
    }
    if PurgeHelmStep.removes(parameters) { left += try await PurgeHelmStep.leftovers(ctx) }
    guard left.isEmpty else {
      throw StepError.unexpected(
        "teardown left: \(left.joined(separator: "; ")); run `labrun down` again or remove them by hand")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      DeleteLabObjectsStep.list, HAMiInstallStep.release, UninstallHAMiStep.secret,
      UninstallHAMiStep.hostFiles,
    ]
  }
}
