from typer.testing import CliRunner

from engage.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("engage ")


def test_generate_writes_tables_and_prints_a_summary(tmp_path):
    result = runner.invoke(app, ["generate", "--rows", "300", "--out", str(tmp_path / "g"),
                                 "--formats", "parquet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "300" in result.output and "customers" in result.output
    assert (tmp_path / "g" / "customers.parquet").exists()
    assert not (tmp_path / "g" / "customers.csv").exists()


def test_generate_rejects_bad_rows_with_exit_2(tmp_path):
    result = runner.invoke(app, ["generate", "--rows", "0", "--out", str(tmp_path / "g")])
    assert result.exit_code == 2
    assert "positive" in result.output
