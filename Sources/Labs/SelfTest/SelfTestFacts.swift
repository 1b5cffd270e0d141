import Foundation
import LabPipeline

/// Reads the kernel name; its typed output feeds the exercises phase and run.json.
struct SelfTestFacts: Step {
  struct Output: Codable, Sendable, Hashable {
    var kernel: String
  }

  var id: String { "facts" }
  var title: String { "Record target facts" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> Output {
    let kernel = try await ctx.capture([Self.uname], into: SelfTestLab.unameArtifact)[0].trimmedStdout
    try await ctx.recordParameter("selftest_kernel", .string(kernel))
    return Output(kernel: kernel)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    Output(kernel: try await ctx.runChecked(Self.uname).trimmedStdout)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [Self.uname] }

  static let uname = RemoteCommand("uname -s")
}
