"""Reading and writing process catalogues: the demo corpus and foreign formats."""
