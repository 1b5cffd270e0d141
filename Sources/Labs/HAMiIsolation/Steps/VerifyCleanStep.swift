import Foundation
import LabPipeline

/// Says what is left, and fails if anything is.
struct VerifyCleanStep: Step {
  var id: String { "verify-clean" }
  var title: String { "Verify nothing of the lab is left" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    var left: [String] = []
    if try await !DeleteLabObjectsStep().check(ctx) {
      left.append("lab pods or ConfigMap (kubectl get pods,configmaps -l \(HAMiCatalog.partOfLabel))")
    }
    if try await !UninstallHAMiStep().check(ctx) {
      left.append("the HAMi Helm release (helm -n kube-system list)")
    }
    if try await !RemoveGPULabelStep().check(ctx) { left.append("the gpu=on node label") }
    if try await !PurgeK3sStep().check(ctx) { left.append("k3s (k3s-uninstall.sh is still installed)") }
    if try await !PurgeToolkitStep().check(ctx) {
      left.append("the NVIDIA Container Toolkit or its apt source")
    }
    guard left.isEmpty else {
      throw StepError.unexpected(
        "teardown left: \(left.joined(separator: "; ")); run `labrun down` again or remove them by hand")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [DeleteLabObjectsStep.list, HAMiInstallStep.release]
  }
}
