"""The Sudoku OCR capstone (assignment 09): fonts, rendered photos, the digit classifier
and the evaluation command."""
