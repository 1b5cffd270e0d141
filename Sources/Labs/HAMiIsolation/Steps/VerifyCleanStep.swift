import Foundation
import LabPipeline

/// Says what is left, and fails if anything is (``VerifyCleanStepKind``). Every removal step before it checks again on
/// a rerun of `down` (``Step/rechecksWhenFinished``), so "run `labrun down` again" removes
/// what this step found instead of only verifying again.
struct VerifyCleanStep: VerifyCleanStepKind {
  func leftovers(_ ctx: StepContext) async throws -> [TeardownLeftovers.Item] {
    var left: [TeardownLeftovers.Item] = []
    if try await !DeleteLabObjectsStep().check(ctx) {
      left.append(
        .init(
          "lab pods or ConfigMap (kubectl get pods,configmaps -l \(HAMiCatalog.partOfLabel))",
          removal: "kubectl delete pods,configmaps -l \(HAMiCatalog.partOfLabel)"))
    }
    left += try await UninstallHAMiStep.leftovers(ctx).map { .init($0) }
    if try await !RemoveGPULabelStep().check(ctx) {
      let node = (try? await HAMiIsolationLab.nodeName(ctx)) ?? "NODE"
      left.append(.init("the gpu=on node label", removal: "kubectl label node \(node) gpu-"))
    }
    let parameters = ctx.parameters
    let purge = ctx.options.purge
    if PurgeK3sStep.removes(parameters, purge: purge), try await ctx.hasCommand("k3s-uninstall.sh") {
      left.append(.init("k3s (k3s-uninstall.sh is still installed)", removal: "sudo k3s-uninstall.sh"))
    }
    if PurgeToolkitStep.removes(parameters, purge: purge) {
      if try await PurgeToolkitStep.packageLeft(ctx) {
        left.append(
          .init("the NVIDIA Container Toolkit or its configuration (dpkg-query -W nvidia-container-toolkit)"))
      }
      if try await ctx.run(PurgeToolkitStep.listFile).succeeded {
        left.append(
          .init(
            "the toolkit's apt source \(HAMiIsolationLab.toolkitList)",
            removal: "sudo rm \(HAMiIsolationLab.toolkitList)"))
      }
    }
    if PurgeHelmStep.removes(parameters, purge: purge) {
      left += try await PurgeHelmStep.leftovers(ctx).map { .init($0) }
    }
    return left
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      DeleteLabObjectsStep.list, HAMiInstallStep.release, UninstallHAMiStep.secret,
      UninstallHAMiStep.hostFiles,
    ]
  }
}
