import CLibSSH2
import LabPipeline
