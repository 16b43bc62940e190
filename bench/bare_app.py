"""The framework ceiling: a bare Flask endpoint answering a small JSON object, served with the same
gunicorn settings as the CRM (`gunicorn -c python:crm.gunicorn_config bench.bare_app:app`)."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def hello():
    return jsonify({"id": "deal_11111111111111111111111111111111", "name": "株式会社A 年間契約", "stage": "proposal"})
