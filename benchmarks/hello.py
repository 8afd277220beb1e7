"""Hello world in Flask: the ceiling the benchmark measures Samråd's pages against.

    gunicorn --workers 4 --no-control-socket benchmarks.hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
