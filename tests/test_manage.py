"""Managing an index's documents: remove some, correct their metadata, count their chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Engine, Filters, MetadataError, build_index, load_settings
from rag.store import read_manifest

# Two short notices from made-up cities (not the bundled corpus): one has no sign-off block, so
# its issuer and date are unknown until a user fills them in.
NOTICE_A = (
    "松原市科学技术局关于开展人工智能应用场景征集的通知\n"
    "松科发〔2023〕7号\n"
    "一、征集范围为智能制造、智慧医疗和智慧交通三类场景。\n"
    "二、入选场景每个给予最高50万元补助。\n"
    "松原市科学技术局\n"
    "2023年4月2日\n"
)
NOTICE_B = (
    "关于算力券发放工作的说明\n"
    "一、算力券面额为每张1万元，企业每年最多申领20张。\n"
    "二、算力券可用于购买本地智算中心的训练和推理服务。\n"
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "songyuan.txt").write_text(NOTICE_A, encoding="utf-8")
    (folder / "voucher.txt").write_text(NOTICE_B, encoding="utf-8")
    settings = load_settings(index_dir=str(tmp_path / "index"), embedder="hash")
    build_index([folder], settings)
    return Engine(settings)


def _by_source(engine: Engine, source: str) -> str:
    return next(d.doc_id for d in engine.documents() if d.source == source)


def test_chunk_counts_match_the_chunks_of_each_document(engine: Engine) -> None:
    counts = engine.chunk_counts()
    assert set(counts) == {d.doc_id for d in engine.documents()}
    for doc_id, n in counts.items():
        assert n == len(engine.doc_chunks(doc_id)) > 0


def test_remove_documents_drops_them_and_keeps_the_file(engine: Engine, tmp_path: Path) -> None:
    gone = _by_source(engine, "voucher.txt")
    removed = engine.remove_documents([gone, "no-such-id"])
    assert removed == (str((tmp_path / "docs" / "voucher.txt").resolve()),)
    assert [d.source for d in engine.documents()] == ["songyuan.txt"]
    assert gone not in engine.chunk_counts()
    assert all(h.chunk.doc_id != gone for h in engine.search("算力券面额是多少？", k=5))
    manifest = read_manifest(engine.settings.index_dir)
    assert manifest is not None and gone not in manifest["files"].values()
    assert (tmp_path / "docs" / "voucher.txt").is_file()
    # indexing the folder again brings it back
    build_index([tmp_path / "docs"], engine.settings)
    engine.reload()
    assert gone in {d.doc_id for d in engine.documents()}


def test_remove_nothing_known_changes_nothing(engine: Engine) -> None:
    before = read_manifest(engine.settings.index_dir)
    assert engine.remove_documents(["no-such-id"]) == ()
    assert read_manifest(engine.settings.index_dir) == before


def test_edit_document_metadata_is_stored_and_used_by_filters(engine: Engine) -> None:
    doc_id = _by_source(engine, "voucher.txt")
    assert engine.document(doc_id).issuer is None
    chunks_before = engine.doc_chunks(doc_id)
    edited = engine.edit_document(
        doc_id, issuer="松原市工业和信息化局", date="2024-02-01", region="松原", doc_number=""
    )
    assert edited.issuer == "松原市工业和信息化局" and edited.date == "2024-02-01"
    doc = Engine(engine.settings).document(doc_id)  # a fresh reader sees the stored values
    assert (doc.issuer, doc.date, doc.region, doc.doc_number) == (
        "松原市工业和信息化局",
        "2024-02-01",
        "松原",
        None,
    )
    assert doc.title == "关于算力券发放工作的说明"  # fields not named keep their value
    assert [(c.text, c.start_char) for c in engine.doc_chunks(doc_id)] == [
        (c.text, c.start_char) for c in chunks_before
    ]
    hits = engine.search("算力券", k=5, filters=Filters(year_from=2024, year_to=2024))
    assert hits and {h.chunk.doc_id for h in hits} == {doc_id}
    hits = engine.search("算力券", k=5, filters=Filters(region="松原"))
    assert doc_id in {h.chunk.doc_id for h in hits}
    # a later incremental run keeps the correction (the file did not change)
    build_index([Path(doc.path).parent], engine.settings)
    engine.reload()
    assert engine.document(doc_id).issuer == "松原市工业和信息化局"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": "2024年2月"}, "yyyy-mm-dd"),
        ({"date": "2024-13-01"}, "yyyy-mm-dd"),
        ({"source": "x.txt"}, "editable fields"),
    ],
)
def test_edit_document_rejects_bad_values(
    engine: Engine, changes: dict[str, str], message: str
) -> None:
    doc_id = _by_source(engine, "songyuan.txt")
    with pytest.raises(MetadataError, match=message):
        engine.edit_document(doc_id, **changes)
    assert engine.document(doc_id).date == "2023-04-02"


def test_edit_unknown_document(engine: Engine) -> None:
    with pytest.raises(MetadataError, match="no document"):
        engine.edit_document("0" * 16, title="x")
