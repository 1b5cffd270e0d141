import Foundation
import LabPipeline

/// `labs/selftest`: harmless steps that exercise the engine end to end through a real
/// transport: markers under `marker_dir`, a sleep (to kill labrun mid-step), a gate that
/// fails while a file exists (to test resume), a parameter echoed to a file (to test
/// quoting), and typed outputs passed between steps and phases.
public struct SelfTestLab: Lab {
  public static let name = "selftest"
  public var name: String { Self.name }

  public init() {}

  /// The artifacts its steps capture.
  static let echoArtifact = "selftest-echo.txt"
  static let unameArtifact = "selftest-uname.txt"
  static let tokenArtifact = "selftest-token.txt"

  /// It has no validation page: its evidence only proves the engine works.
  public var validation: (any ValidationLab)? { nil }

  public func phases(files: LabFiles) -> LabPhases {
    Self.phases
  }

  static let phases = LabPhases(
    up: [
      SelfTestPrepare(),
      SelfTestWriteMarker(id: "write-up-marker", file: "up.marker"),
      SelfTestEchoParameter(),
      SelfTestSleep(),
      SelfTestGate(),
      SelfTestFacts(),
    ],
    exercises: [
      SelfTestUseFacts(),
      SelfTestShowToken(),
      SelfTestWriteMarker(id: "write-exercises-marker", file: "exercises.marker"),
    ],
    down: [SelfTestCleanUp()]
  )

  /// `marker_dir`, quoted for the shell.
  static func directory(_ parameters: Parameters) throws -> String {
    try parameters.string("marker_dir")
  }

  /// `marker_dir/name`, quoted for the shell.
  static func path(_ parameters: Parameters, _ name: String) throws -> String {
    ShellQuote.quote(try directory(parameters) + "/" + name)
  }
}
