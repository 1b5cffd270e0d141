import LabPipeline

/// A check of the hami-core-isolation lab: a ``JudgedCheck`` over ``HAMiCoreEvidence``.
protocol HAMiCoreCheck: JudgedCheck where Evidence == HAMiCoreEvidence {}
