import Foundation
import LabPipeline

/// A runnable lab: its definition (lab.yaml) and the Swift steps of each phase.
public struct Lab: Sendable {
  public var definition: LabDefinition
  public var phases: LabPhases

  public init(definition: LabDefinition, phases: LabPhases) {
    self.definition = definition
    self.phases = phases
  }

  public var name: String { definition.name }

  public func steps(for phase: Phase) -> [any Step] {
    phases.steps(for: phase)
  }
}

/// The step lists of a lab's three phases.
public struct LabPhases: Sendable {
  public var up: [any Step]
  public var exercises: [any Step]
  public var down: [any Step]

  public init(up: [any Step] = [], exercises: [any Step] = [], down: [any Step] = []) {
    self.up = up
    self.exercises = exercises
    self.down = down
  }

  public func steps(for phase: Phase) -> [any Step] {
    switch phase {
    case .up: return up
    case .exercises: return exercises
    case .down: return down
    }
  }
}
