import LabPipeline

/// A check of the hami-isolation-realgpu lab: a ``JudgedCheck`` over ``HAMiEvidence``.
protocol HAMiCheck: JudgedCheck where Evidence == HAMiEvidence {}

extension HAMiEvidence: CheckEvidence {}
