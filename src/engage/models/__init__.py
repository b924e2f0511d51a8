"""Models: one module per model, each following the scikit-learn fit/predict contract."""
