"""The real-time prediction API (seed 004 §4.1: API Gateway + Lambda + DynamoDB cache).

`engage.api.app.create_app` builds the FastAPI application; `engage serve` runs
it under uvicorn and `engage.api.lambda_handler.handler` under AWS Lambda. The
modules that do not need FastAPI (records, scoring, keys, throttle) import
nothing from it, so the pipeline can reuse them without the web stack.
"""
