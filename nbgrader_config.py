"""nbgrader configuration of the course: solutions/ is the source, course/ the release."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
# Notebook sources (*.nb.py) and caches stay with the instructor.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            ".pytest_cache", "*.nb.py", "*.db"]

# Every cell gets at most 5 minutes; training cells run in reduced mode when graded.
c.Execute.timeout = 300
# Short tracebacks: feedback must not print the lines of hidden tests.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]

# stderr in a test cell scores it 0. The kernel spec already silences TensorFlow's C++
# log; these patterns catch what is left of that noise (autograde only).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (r"(cpu_feature_guard|oneDNN custom operations|TF_ENABLE_ONEDNN_OPTS|"
                           r"This TensorFlow binary is optimized|absl::InitializeLog|"
                           r"Unable to register cu(DNN|FFT|BLAS) factory|computation_placer|"
                           r"I0000 00:00|W0000 00:00|E0000 00:00)")

# A deleted test cell is put back and run rather than left for manual grading.
c.OverwriteCells.add_missing_cells = True

# Feedback without the hidden tests' source.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [ClearHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
