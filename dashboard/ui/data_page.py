"""The Data page's parts: upload, server import folder, column mapping, stage order, quality report, library."""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from ..api import read_events, reload_events, set_stage_order
from ..dataset import EventDataset
from ..errors import JourneyLensError, MappingError
from ..exports import ExportInfo, csv_bytes, export_file_name, parquet_bytes, slug, touchpoints_frame
from ..mapping import ROLE_LABELS, ROLES, Mapping, propose_mapping
from ..reading import open_table_file
from ..settings import get_settings
from ..sources import connect_table
from ..timestamps import KINDS
from .cache import compute
from .common import about, show_table
from .errors import guard, plain, show_error
from .state import store, switch_dataset

NONE = "— none —"
PENDING_KEY = "jl_pending_file"
FILE_TYPES = ["csv", "gz", "parquet", "xlsx", "tsv", "txt"]


def _progress():
    bar = st.progress(0.0, text="Starting…")
    return lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text)


def upload_section() -> None:
    st.subheader("Upload a touchpoint extract")
    st.caption("CSV (any of , ; tab |, UTF-8 / Korean CP949 / Latin-1), CSV.GZ, Parquet or Excel .xlsx — one row per customer interaction.")
    upload = st.file_uploader("Touchpoint file", type=FILE_TYPES, key="upload_events", label_visibility="collapsed")
    if upload is None or st.session_state.get("uploaded_file_id") == upload.file_id:
        return
    st.session_state["uploaded_file_id"] = upload.file_id
    st.session_state.pop(PENDING_KEY, None)
    folder = Path(tempfile.mkdtemp(prefix="jl-upload-"))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getbuffer())
    _load(path, "upload", upload.name)


def _load(path: Path, origin: str, name: str, mapping: Mapping | None = None) -> None:
    """Load a file into the store; when its columns cannot be mapped, keep it pending for the mapping form."""
    try:
        dataset = read_events(path, store=store(), origin=origin, file_name=name, mapping=mapping, progress=_progress())
    except MappingError as exc:
        show_error(exc)
        st.session_state[PENDING_KEY] = {"path": str(path), "origin": origin, "name": name}
        return
    except JourneyLensError as exc:
        show_error(exc)
        _forget_pending(path, origin)
        return
    _forget_pending(path, origin)
    switch_dataset(dataset.id)
    st.session_state["just_loaded"] = dataset.id
    st.rerun()


def _forget_pending(path: Path, origin: str) -> None:
    st.session_state.pop(PENDING_KEY, None)
    if origin == "upload":
        shutil.rmtree(path.parent, ignore_errors=True)  # the upload's own scratch folder


def pending_mapping_section() -> None:
    """A file whose columns could not be mapped: choose the roles, then load it."""
    pending = st.session_state.get(PENDING_KEY)
    if not pending or not Path(pending["path"]).exists():
        return
    with guard(stop=False):
        opened = open_table_file(Path(pending["path"]), display_name=pending["name"])
        sample = opened.sample(20)
        proposed = propose_mapping(opened.sample())
        st.subheader("Map the columns before loading")
        st.caption(plain(f"{pending['name']} — first rows:"))
        st.dataframe(sample, hide_index=True)
        with st.form("pending_mapping"):
            chosen = {}
            cols = st.columns(3)
            for i, role in enumerate(ROLES):
                options = [NONE] + opened.columns
                current = getattr(proposed, role)
                chosen[role] = cols[i % 3].selectbox(ROLE_LABELS[role], options, key=f"pending_{role}",
                                                     index=options.index(current) if current in options else 0)
            segments = st.multiselect("Segment attributes", opened.columns, default=proposed.segments, key="pending_segments")
            st.form_submit_button("Load with this mapping", type="primary", on_click=_request, args=("pending", pending["path"]))
        if _pending("pending", pending["path"]):
            mapping = Mapping(**{r: (None if v == NONE else v) for r, v in chosen.items()},
                              segments=[c for c in segments if c not in chosen.values()])
            _load(Path(pending["path"]), pending["origin"], pending["name"], mapping)


def incoming_section() -> None:
    folder = get_settings().incoming_dir
    files = sorted(p for p in folder.glob("*") if p.is_file() and p.name.lower().endswith((".csv", ".gz", ".parquet", ".xlsx", ".tsv", ".txt"))) if folder.exists() else []
    with st.expander(f"Server import folder ({len(files)} file{'s' if len(files) != 1 else ''})"):
        st.caption(f"For extracts too large to upload through the browser: copy them into {folder} on the server.")
        if not files:
            st.write("No files there yet.")
        loaded = {m.get("source", {}).get("path"): m for m in store().list() if m.get("source", {}).get("origin") == "incoming"}
        for i, path in enumerate(files):
            stat = path.stat()
            cols = st.columns([3, 2, 2])
            cols[0].text(f"{path.name}  ·  {stat.st_size / 1e6:,.1f} MB  ·  {datetime.fromtimestamp(stat.st_mtime):%Y-%m-%d %H:%M}")
            existing = loaded.get(str(path))
            cols[1].button("Load as new dataset", key=f"incoming_load_{i}", on_click=_request, args=("load", str(path)))
            if _pending("load", str(path)):
                _load(path, "incoming", path.name)
            if existing:
                newer = stat.st_mtime > existing["source"].get("modified", 0) + 1
                label = "Refresh (newer file)" if newer else "Refresh"
                cols[2].button(label, key=f"incoming_refresh_{i}", help="Re-read this file into the same dataset, keeping its mapping and stage order.",
                               on_click=_request, args=("refresh", str(path)))
                if _pending("refresh", str(path)):
                    with guard(stop=False):
                        reload_events(existing["id"], source=path, store=store(), progress=_progress())
                        switch_dataset(existing["id"])
                        st.rerun()


def quality_report(dataset: EventDataset) -> None:
    q = dataset.quality
    st.subheader("Data quality report")
    source = dataset.manifest.get("source", {})
    how = [source.get("kind", "").upper()]
    if source.get("encoding"):
        how.append(f"encoding {source['encoding']}")
    if source.get("delimiter"):
        how.append("delimiter " + {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(source["delimiter"], source["delimiter"]))
    st.caption(plain(f"{source.get('file_name', dataset.name)} · read as {', '.join(h for h in how if h)} · timestamps: {q.get('timestamp_format', '')}"))
    c = st.columns(4)
    c[0].metric("Rows read", f"{q.get('rows_read', 0):,}")
    c[1].metric("Rows kept", f"{q.get('rows_kept', 0):,}")
    c[2].metric("Rows set aside", f"{q.get('rows_set_aside', 0):,}")
    c[3].metric("Exact duplicates (kept)", f"{q.get('duplicates', 0):,}", help="Rows with the same customer, time, stage, channel and touchpoint as another row. They are kept; they do not change customer counts.")
    c = st.columns(4)
    c[0].metric("Customers", f"{q.get('customers', 0):,}")
    c[1].metric("First touchpoint", str(q.get("first_ts", ""))[:10])
    c[2].metric("Last touchpoint", str(q.get("last_ts", ""))[:10])
    spread = q.get("events_per_customer", {})
    c[3].metric("Touchpoints per customer", f"{spread.get('median', 0):g} median", help=f"Mean {spread.get('mean', 0):g}, most {spread.get('max', 0):,}")
    if q.get("timestamp_ambiguous"):
        st.warning("The dates could be read day-first (31/12) or month-first (12/31): they were read **day-first**. If that is wrong, choose *month first* under Column mapping → Timestamp format.")
    for warning in source.get("notes", []) + q.get("warnings", []):
        st.info(plain(warning))
    reasons = q.get("set_aside_reasons", {})
    if reasons:
        table = pd.DataFrame({"reason": list(reasons), "rows": list(reasons.values())})
        st.write("Rows set aside, by reason:")
        show_table(table, width="content")
        st.download_button("Download the rows set aside (CSV)", csv_bytes(dataset.set_aside()),
                           file_name=f"{slug(dataset.name)}_rows-set-aside.csv", mime="text/csv", key="dl_set_aside")
    else:
        st.success("Every row was kept: nothing was set aside.")


def touchpoints_export(dataset: EventDataset) -> None:
    """The filtered touchpoints as CSV (formulas neutralised, filters in the first lines) or Parquet (filters in the metadata)."""
    st.subheader("Touchpoints in view")
    count = compute("touchpoint_count", dataset)
    st.caption(plain(f"{count:,} touchpoints · {dataset.filters.describe()}. The file is made when you click (large views take a while)."))
    context = about("Touchpoints in view")
    row = st.container(horizontal=True)
    for kind, mime in (("csv", "text/csv"), ("parquet", "application/vnd.apache.parquet")):
        row.download_button(f"Touchpoints ({kind.upper()})", data=partial(_touchpoints_file, dataset, kind, context), mime=mime,
                               file_name=export_file_name("journey-touchpoints", dataset.filters, kind), key=f"dl_touchpoints_{kind}",
                               on_click="ignore", icon=":material/download:", disabled=count == 0)


def _touchpoints_file(dataset: EventDataset, kind: str, context: tuple[str, str, str]) -> bytes:
    frame = touchpoints_frame(dataset)
    info = ExportInfo.now(*context)
    return csv_bytes(frame, info) if kind == "csv" else parquet_bytes(frame, info)


def mapping_editor(dataset: EventDataset) -> None:
    mapping = dataset.mapping
    columns = dataset.manifest.get("source", {}).get("columns", [])
    source = dataset.manifest.get("source", {})
    can_reread = source.get("stored") or source.get("path") or dataset.is_connected
    with st.expander("Column mapping", expanded=dataset.quality.get("timestamp_ambiguous", False)):
        st.caption("Which column plays which role. Changing it re-reads the stored file; the dataset keeps its name and id.")
        with st.form(f"mapping_{dataset.id}"):
            chosen = {}
            cols = st.columns(3)
            for i, role in enumerate(ROLES):
                options = [NONE] + columns
                current = getattr(mapping, role)
                chosen[role] = cols[i % 3].selectbox(ROLE_LABELS[role], options, index=options.index(current) if current in options else 0,
                                                     key=f"map_{role}_{dataset.id}")
            taken = {v for v in chosen.values() if v != NONE}
            segments = st.multiselect("Segment attributes (for filters and breakdowns)", [c for c in columns if c not in taken],
                                      default=[s for s in mapping.segments if s not in taken], key=f"map_segments_{dataset.id}")
            formats = ["detect"] + list(KINDS)
            fmt = st.selectbox("Timestamp format", formats, index=formats.index(mapping.timestamp_format or "detect"),
                               format_func=lambda k: "Detect automatically" if k == "detect" else KINDS[k], key=f"map_ts_{dataset.id}")
            rules = _stage_rules_editor(dataset, mapping, chosen)
            st.form_submit_button("Apply mapping", type="primary", disabled=not can_reread, on_click=_request, args=("remap", dataset.id))
        if _pending("remap", dataset.id):
            new = Mapping(**{r: (None if v == NONE else v) for r, v in chosen.items()}, segments=segments,
                          timestamp_format=None if fmt == "detect" else fmt, stage_from_touchpoint=rules)
            with guard(stop=False):
                if dataset.is_connected:
                    source = dataset.manifest["source"]
                    connect_table(source["connection"], source["table"], database=source.get("database"), mapping=new,
                                  name=dataset.name, store=store(), dataset_id=dataset.id)
                else:
                    reload_events(dataset.id, mapping=new, store=store(), progress=_progress())
                switch_dataset(dataset.id)
                st.rerun()


def _stage_rules_editor(dataset: EventDataset, mapping: Mapping, chosen: dict) -> dict[str, str]:
    if chosen.get("stage") not in (None, NONE) or not dataset.values("touchpoint"):
        return {}
    st.markdown("**No stage column?** Give touchpoints a stage (leave blank to leave them without one).")
    table = pd.DataFrame({"touchpoint": dataset.values("touchpoint")[:200]})
    table["stage"] = table["touchpoint"].map(mapping.stage_from_touchpoint).fillna("")
    edited = st.data_editor(table, hide_index=True, disabled=["touchpoint"], key=f"stage_rules_{dataset.id}")
    return {row.touchpoint: row.stage for row in edited.itertuples() if str(row.stage).strip()}


def stage_order_editor(dataset: EventDataset) -> None:
    if not dataset.has_stages:
        st.info("This dataset has no stage column: flows work by channel or touchpoint, and stages can be derived from touchpoints under Column mapping.")
        return
    with st.expander("Stage order"):
        st.caption("Funnels and stage durations follow this order. Change the numbers and save.")
        table = pd.DataFrame({"position": range(1, len(dataset.stage_order) + 1), "stage": dataset.stage_order})
        edited = st.data_editor(table, hide_index=True, disabled=["stage"], key=f"stage_order_{dataset.id}",
                                column_config={"position": st.column_config.NumberColumn(min_value=1, step=1)})
        st.button("Save stage order", key=f"save_order_{dataset.id}", on_click=_request, args=("order", dataset.id))
        if _pending("order", dataset.id):
            order = edited.sort_values(["position", "stage"])["stage"].tolist()
            with guard(stop=False):
                set_stage_order(dataset.id, order, store=store())
                st.rerun()


def library(active_id: str, *, editable: bool = True) -> None:
    """The stored datasets; with ``editable``, open, rename and delete (with confirmation)."""
    st.subheader("Dataset library")
    entries = store().list()
    rows = []
    for m in entries:
        q = m.get("quality", {})
        rows.append({"name": m.get("name", m["id"]), "rows": q.get("rows_kept"), "customers": q.get("customers"),
                     "from": str(q.get("first_ts", ""))[:10], "to": str(q.get("last_ts", ""))[:10],
                     "uploaded": str(m.get("created_at", ""))[:16].replace("T", " "),
                     "source": m.get("source", {}).get("origin") or f"connected: {m.get('source', {}).get('connection', '')}", "status": "damaged: " + m["broken"] if m.get("broken") else ("active" if m["id"] == active_id else "")})
    show_table(pd.DataFrame(rows), width="stretch")
    if not entries or not editable:
        return
    names = {m["id"]: m.get("name", m["id"]) for m in entries}
    choice = st.selectbox("Manage dataset", list(names), format_func=lambda i: names[i], key=f"library_choice_{active_id}",
                          index=list(names).index(active_id) if active_id in names else 0)
    cols = st.columns([1, 2, 1])
    cols[0].button("Open", key="library_open", disabled=choice == active_id, on_click=_request, args=("open", choice))
    new_name = cols[1].text_input("New name", value=names[choice], key=f"rename_{choice}", label_visibility="collapsed")
    cols[1].button("Rename", key="library_rename", on_click=_request, args=("rename", choice))
    cols[2].button("Delete…", key="library_delete", on_click=_request, args=("confirm", choice))
    if _pending("open", choice):
        switch_dataset(choice)
        st.rerun()
    if _pending("rename", choice) and new_name.strip() and new_name != names[choice]:
        with guard(stop=False):
            store().update(choice, name=new_name.strip()[:120])
            st.rerun()
    if _pending("confirm", choice):
        st.session_state["confirm_delete"] = choice
    if st.session_state.get("confirm_delete") == choice:
        st.warning(f"Delete “{plain(names[choice])}” for everyone? This cannot be undone.")
        yes, no = st.columns(2)
        yes.button("Yes, delete it", type="primary", key="library_delete_yes", on_click=_request, args=("delete", choice))
        no.button("Cancel", key="library_delete_no", on_click=_request, args=("cancel", choice))
    if _pending("delete", choice):
        st.session_state.pop("confirm_delete", None)
        with guard(stop=False):
            store().delete(choice)
            if choice == active_id:
                switch_dataset("sample")
            st.rerun()
    if _pending("cancel", choice):
        st.session_state.pop("confirm_delete", None)
        st.rerun()


def _request(action: str, target: str) -> None:
    """Button callback: remember the action; the page performs it in its body (with progress shown there)."""
    st.session_state["jl_action"] = (action, target)


def _pending(action: str, target: str) -> bool:
    """True (once) when the user asked for ``action`` on ``target`` in this run."""
    if st.session_state.get("jl_action") == (action, target):
        del st.session_state["jl_action"]
        return True
    return False
