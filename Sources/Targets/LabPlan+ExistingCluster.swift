import Foundation
import LabPipeline

extension LabPlan {
  /// Plans `phases` of `lab` on an existing cluster (`--kubeconfig`), from the kubeconfig alone:
  /// the cluster is not contacted, and the plan says how every kubectl runs (the kubeconfig's
  /// path and context; its server and credentials never).
  /// - Throws: ``LabClusterError/existingClusterNotForLab(lab:)``, a step's plan's errors.
  public static func make(
    lab: LoadedLab, parameters: Parameters, cluster: ExistingClusterTarget, phases: [Phase],
    lifecycle: LifecycleOptions = LifecycleOptions(), redactor: Redactor
  ) throws -> LabPlan {
    let scenario = parameters["sim_scenario"]?.stringValue
    let described = try cluster.describe()
    if described.kind == .simulated {
      try TargetSpec(parsing: "sim").checkScenario(scenario)
      try lab.checkSimulatedScenario(scenario)
    }
    var steps: [PlannedStep] = []
    for phase in phases {
      steps += try Pipeline.plan(
        phase, steps: lab.steps(for: phase, on: described), parameters: parameters, target: described,
        options: lifecycle)
    }
    var plan = LabPlan(
      lab: lab, target: described, host: cluster.name, resolution: nil, parameters: parameters,
      phases: phases,
      steps: steps, nodes: nil, redactor: redactor)
    plan.kubectl =
      "kubectl --kubeconfig \(ShellQuote.quote(cluster.kubeconfig)) --context \(ShellQuote.quote(cluster.context))"
      + " --namespace \(ExistingClusterIdentity.namespace)"
    return plan
  }
}
