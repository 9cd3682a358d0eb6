"""The Sudoku OCR capstone (assignment 08): fonts, rendered photos, the digit classifier
and the evaluation command."""
