import Foundation
import LabPipeline

/// The MPS lab's parameters, read and checked once: clients, percentages, durations, tools.
struct MPSSettings: Sendable {
  /// The clients: each one's name and pinned device memory limit in MiB.
  var tenants: [CardTenant]
  var threadPercentages: [Int]
  var pairPercentages: [Int]
  /// Exercise 7's aggressor's percentage (the victim has none).
  var neighbourPercentage: Int
  var computeSeconds: Int
  var tolerancePercent: Int
  var nvcc: String
  var nvccFlags: String
  var probeDirectory: String
  var mpsControl: String
  var tenantTimeout: Duration

  init(_ parameters: Parameters) throws {
    let tenantsText = try parameters.string("tenants")
    guard let tenants = CardTenant.parse(tenantsText) else {
      throw StepError.unexpected(
        "tenants '\(tenantsText)' is not two or more positive limits in MiB (e.g. --param tenants=4000,12000)"
      )
    }
    self.tenants = tenants
    threadPercentages = try Self.percentages(parameters, "thread_percentages", count: nil, example: "25")
    pairPercentages = try Self.percentages(parameters, "pair_thread_percentages", count: 2, example: "30,70")
    neighbourPercentage = try parameters.int("neighbour_percentage")
    computeSeconds = try parameters.int("compute_seconds")
    tolerancePercent = try parameters.int("throughput_tolerance")
    nvcc = try parameters.string("nvcc")
    nvccFlags = try parameters.string("nvcc_flags")
    probeDirectory = try parameters.string("probe_dir")
    mpsControl = try parameters.string("mps_control")
    tenantTimeout = try parameters.duration("tenant_timeout")
  }

  /// Percentages between 1 and 100 (`count` of them when given).
  static func percentages(_ parameters: Parameters, _ name: String, count: Int?, example: String) throws
    -> [Int]
  {
    let text = try parameters.string(name)
    guard let values = CardTenant.limits(text), count.map({ values.count == $0 }) ?? true else {
      throw StepError.unexpected(
        "\(name) '\(text)' must be \(count.map { "\($0) " } ?? "")percentages between 1 and 100 (e.g. \(example))"
      )
    }
    return values
  }
}
