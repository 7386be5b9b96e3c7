"""The CLI's words in Traditional Chinese or English, chosen by the locale.

    m = messages()                       # the language of `lang_from_env()`
    m("ingest.loaded", rows=12, quarantined=0)
    m.text("the file is empty")          # a free text of lpdata, through `FREE_TEXT`
    m.error_lines(exc)                   # an `LpdataError`, rendered from its fields

`$LP_LANG` chooses (zh-TW or en); without it the POSIX locale does (`LC_ALL`, then `LC_MESSAGES`, then
`LANG`): a locale starting with zh_TW, zh-TW or zh_Hant is Traditional Chinese, any other English.
English is the text lp printed before it spoke Chinese, word for word: scripts that read it keep working.

An error is rendered in Chinese from its structured fields (file, sheet, row, column, cell; a
parameter file's line and key) with a template per error class; its free-text message and `expected`
go through `FREE_TEXT`, English templates with named fields mapped to Chinese ones. A message that no
entry matches keeps its English after its class's Chinese sentence, so nothing the operator needs is
lost (tests/test_messages.py renders every entry's example and checks the entries still match the
sentences lpdata raises).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .contract import KINDS_BY_NAME
from .errors import IngestRejected, LpdataError, ParameterError, UnknownKindError, UnknownViewError
from .labels import VIEW_NAMES, value_label

LANG_ENV = "LP_LANG"
LANGS = ("zh-TW", "en")
_ZH_LOCALES = ("zh_tw", "zh-tw", "zh_hant", "zh-hant")


def lang_from_env(environ: Mapping[str, str] | None = None) -> str:
    """zh-TW or en: `$LP_LANG`, else the first set of LC_ALL, LC_MESSAGES, LANG (POSIX's order)."""
    env = os.environ if environ is None else environ
    for name in (LANG_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "zh-TW" if value.lower().startswith(_ZH_LOCALES) else "en"
    return "en"


#: key -> (zh-TW, en). Fields in braces are filled by `Messages.__call__`; counts come formatted.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # --- the app and every command's help
    "app.help": ("lp-workbench：學生學習歷程檔案匯出檔 → DuckDB 資料庫 → 報表。",
                 "lp-workbench: Student Learning Portfolio (學生學習歷程檔案) exports -> DuckDB -> reports."),
    "opt.db": ("DuckDB 資料庫檔（預設：$LP_DB，否則 data/lp.duckdb）。", "The DuckDB file (default: $LP_DB, else data/lp.duckdb)."),
    "opt.as_of": ("資料日期，格式 YYYY-MM-DD（預設：已載入的最新匯出日）。", "YYYY-MM-DD (default: newest export loaded)."),
    "opt.quiet": ("不顯示進度條。", "No progress bar."),
    "ingest.help": ("載入一個匯出資料夾：全部載入，或完全不載入。", "Load an export folder into the database: all of it or nothing."),
    "ingest.folder": ("匯出資料夾（或單一檔案）。", "An export folder (or one file)."),
    "ingest.exported_at": ("檔案的匯出時間（預設：檔案中最新的時間）。", "When the files were exported (default: the newest time in them)."),
    "ingest.key_file": ("身分證號雜湊金鑰（預設：$LP_KEY_FILE，否則 ~/.config/lp-workbench/id-hash.key）。",
                        "The ID-hash key (default: $LP_KEY_FILE, else ~/.config/lp-workbench/id-hash.key)."),
    "ingest.aliases": ("欄位別名 YAML 檔（預設：parameters/header_aliases.yaml，若有）。",
                       "Header alias YAML (default: parameters/header_aliases.yaml if present)."),
    "ingest.value_aliases": ("值別名 YAML 檔（預設：parameters/value_aliases.yaml，若有）。",
                             "Value alias YAML (default: parameters/value_aliases.yaml if present)."),
    "status.help": ("已載入的資料：各名冊別與學期目前的快照，以及隔離列數。",
                    "What is loaded: per kind and term, the current snapshot and the quarantine count."),
    "query.help": ("列出一個檢視。", "Print a view."),
    "query.view": ("檢視名稱（見下方清單）、名冊別（其目前的資料列）或基本資料表。",
                   "A view of metrics.md, a kind (its current rows) or a base table."),
    "query.format": ("table（表格）、csv（UTF-8，含標題列）或 json。", "table, csv (UTF-8, header row) or json."),
    "query.labels": ("欄位名稱與代碼的語言：en 或 zh（zh 也把狀態、名冊別、規則等代碼譯成中文）。",
                     "Column labels: en or zh (table format)."),
    "query.limit": ("最多列出幾列（表格預設 50 列）。", "At most this many rows (table: 50 by default)."),
    "query.views_title": ("可查詢的檢視：", "Views:"),
    "query.kinds_title": ("名冊別（各名冊目前的資料列）：", "Kinds (their current rows):"),
    "query.tables_title": ("基本資料表：", "Base tables:"),
    "purge.help": ("封存期滿的畢業生（畢業生資料封存期滿刪除）：計算其資料列數，或加 --apply 刪除。",
                   "Graduates past the sealing period (R-RETENTION): count their rows, or delete them with --apply."),
    "purge.as_of": ("資料日期，格式 YYYY-MM-DD（預設：已載入的最新匯出日；--apply 不接受今天以後的日期）。",
                    "YYYY-MM-DD (default: newest export loaded; --apply refuses a date after today)."),
    "purge.apply": ("實際刪除（不加時只試算列數，不刪除）。", "Delete the rows (without it: a dry run that only counts)."),
    "backup.help": ("在資料庫鎖定下，把資料庫複製成附檢查碼的 Parquet 檔與 backup.json 清單。",
                    "Copy the database, under its lock, to checksummed Parquet files and a backup.json manifest."),
    "backup.to": ("備份存放處：每次備份是其中一個新資料夾。", "Where backups go: each one is a new folder in it."),
    "restore.help": ("由備份還原資料庫：先核對檢查碼，再一次替換。",
                     "Bring a backup back as the database: checksums first, then one atomic swap."),
    "restore.backup_dir": ("由 `lp backup` 寫出的備份資料夾。", "A backup folder written by `lp backup`."),
    "restore.force": ("已有資料庫時仍予替換。", "Replace the database if there is one."),
    "demo.help": ("產生一所示範學校的匯出資料夾（並可直接載入）。",
                  "Write the export folder of a plausible demo school (and optionally ingest it)."),
    "demo.out": ("匯出資料夾的位置。", "Where to write the export folder."),
    "demo.students": ("大約多少位學生。", "About how many students."),
    "demo.seed": ("相同的種子產生相同的檔案。", "The same seed gives the same files."),
    "demo.ingest_into": ("也載入到這個資料庫，匯出時間為示範資料的匯出時間。",
                         "Also ingest the folder into this database, dated as the demo's export."),
    "demo.key_file": ("身分證號雜湊金鑰，供 --ingest-into 使用。", "The ID-hash key, for --ingest-into."),
    "run.help": ("執行報表計畫：reports/<資料日期>/…、執行紀錄、日誌與 reports/index.html。",
                 "Run a plan of report notebooks: reports/<as_of>/…, a manifest, a log and reports/index.html."),
    "run.plan": ("報表計畫或參數組 YAML 檔（預設：parameters/plans/weekly.yaml）。",
                 "A plan or a parameter-set YAML (default: parameters/plans/weekly.yaml)."),
    "run.jobs": ("最多同時執行幾份報表（預設：處理器核心數）。", "At most N reports at once (default: cores)."),
    "run.force": ("每份報表都重跑，即使輸入未變。", "Run every report, even those whose inputs are unchanged."),
    "run.dry_run": ("只列出報表及是否會執行，不執行。", "List the reports and whether each would run; run nothing."),
    "run.out": ("報表資料夾。", "The reports folder."),
    "run.fresh_kernels": ("每份報表用新的核心（較慢；預設每個工作程序共用一個）。",
                          "A new kernel per report (slower; default: one warm kernel per worker)."),
    # --- lp ingest
    "ingest.reading": ("讀取中", "reading"),
    "ingest.reading_file": ("讀取 {name}", "reading {name}"),
    "ingest.title": ("第 {ingest_id} 次載入，寫入 {db}", "ingest #{ingest_id} into {db}"),
    "ingest.col.kind": ("名冊別", "kind"),
    "ingest.col.status": ("狀態", "status"),
    "ingest.col.files": ("檔案", "files"),
    "ingest.col.rows_read": ("讀取列數", "rows read"),
    "ingest.col.loaded": ("載入列數", "loaded"),
    "ingest.col.quarantined": ("隔離列數", "quarantined"),
    "ingest.col.exported_at": ("匯出時間", "exported at"),
    "ingest.col.partitions": ("學期或批次", "terms/batches"),
    "ingest.status.loaded": ("已載入", "loaded"),
    "ingest.status.unchanged": ("未變更", "unchanged"),
    "ingest.ignored": ("已略過（不是匯出檔）：{files}", "ignored (not export files): {files}"),
    "ingest.all_quarantined": ("注意：{file}（{kind}）：全部 {rows} 列都被隔離，未載入任何資料；它也不取代任何資料（請見 `lp query data_quality`）",
                               "warning: {file} ({kind}): all {rows} rows quarantined, nothing of it loaded; it replaces "
                               "nothing (see `lp query data_quality`)"),
    "ingest.notices": ("{n} 個已載入的儲存格需回原系統更正（造字，或姓名中有 ?；請見 `lp query data_quality`）。",
                       "{n} loaded cells to check at the source (造字 or ? in a name; see `lp query data_quality`)."),
    "ingest.done": ("已載入 {loaded} 列，隔離 {quarantined} 列（請見 `lp query data_quality`）。",
                    "{loaded} rows loaded, {quarantined} quarantined (see `lp query data_quality`)."),
    # --- lp query
    "query.title": ("{title}（{n} 列）", "{title} ({n} rows)"),
    "query.more": ("… 另有 {n} 列未列出（用 --limit 列數，或 --format csv）", "… {n} more rows (use --limit N, or --format csv)"),
    # --- lp purge
    "purge.plan_title": ("清除試算，資料日期 {as_of}（試算：未刪除任何資料）", "purge plan as of {as_of} (dry run: nothing deleted)"),
    "purge.col.table": ("資料表", "table"),
    "purge.col.to_delete": ("將刪除列數", "rows to delete"),
    "purge.col.deleted": ("已刪除列數", "rows deleted"),
    "purge.plan_done": ("{graduates}已屆刪除（{sealed} 位仍在封存期），共 {rows}。加上 --apply 再執行一次即刪除。",
                        "{graduates} due for deletion ({sealed} still sealed), {rows}. Run again with --apply to delete them."),
    "purge.title": ("第 {purge_id} 次清除，資料日期 {as_of}，由 {run_by}@{host} 執行",
                    "purge #{purge_id} as of {as_of} by {run_by}@{host}"),
    "purge.done": ("已刪除{graduates}的 {rows}；紀錄在 purge_runs（`lp query purge_runs`）與 {log}。",
                   "deleted {rows} of {graduates}; recorded in purge_runs (`lp query purge_runs`) and {log}."),
    "purge.not_rewritten": ("資料列已刪除，但資料庫檔案無法重寫：在重寫之前，這些資料的位元組可能仍留在檔案的空白空間中。",
                            "the rows are deleted, but the database file could not be rewritten: "
                            "their bytes may remain in its free space until it is."),
    # --- lp backup / restore
    "backup.done": ("已將 {db} 備份到 {path}：{tables}、{rows}、{bytes} 位元組，每個檔案的 SHA-256 記在 backup.json。"
                    "備份含個人資料：請與資料庫同樣妥善保管。",
                    "backup of {db} written to {path}: {tables}, {rows}, {bytes} bytes, SHA-256 of every file in "
                    "backup.json. It holds personal data: keep it as private as the database."),
    "restore.done": ("已由 {backup}（備份於 {created_at}）還原 {db}：{tables}、{rows}，每個檢查碼都已核對。",
                     "restored {db} from {backup} (taken {created_at}): {tables}, {rows}, every checksum verified."),
    # --- lp demo
    "demo.wrote": ("已為 {students} 位學生寫出 {files} 個檔案到 {out}（資料日期 {as_of}）。",
                   "wrote {files} files for {students} students to {out} (as of {as_of})."),
    "demo.next": ("下一步：lp ingest {out} --exported-at '{exported}'", "next: lp ingest {out} --exported-at '{exported}'"),
    # --- lp run
    "run.reports": ("報表", "reports"),
    "run.dry_title": ("計畫 {plan}，資料日期 {as_of}（試跑：不執行任何報表）", "plan {plan} as of {as_of} (dry run: nothing runs)"),
    "run.col.report": ("報表", "report"),
    "run.col.action": ("動作", "action"),
    "run.col.why": ("原因", "why"),
    "run.col.files": ("檔案", "files"),
    "run.col.cell": ("儲存格", "cell"),
    "run.col.error": ("錯誤", "error"),
    "run.action.run": ("執行", "run"),
    "run.action.skip": ("略過", "skip"),
    "run.dry_done": ("{run} 將執行，{skipped} 份將略過。", "{run} would run, {skipped} would be skipped."),
    "run.failed_title": ("失敗的報表", "failed reports"),
    "run.done": ("{reports}：{ok} 份完成，{failed} 份失敗，{skipped} 份未變更（略過），費時 {seconds} 秒。索引：{index}；日誌：{log}",
                 "{reports}: {ok} ok, {failed} failed, {skipped} unchanged (skipped) in {seconds} s. "
                 "Index: {index}; log: {log}"),
    "run.failed": ("{reports}失敗；請見 {index}", "{reports} failed; see {index}"),
    # --- every command
    "error": ("錯誤", "error"),
    "warning": ("注意", "warning"),
    "internal_error": ("內部錯誤 {name}：{text}（設定 LP_DEBUG=1 可顯示完整追蹤）",
                       "{name}: {text} (LP_DEBUG=1 shows the traceback)"),
    "internal_error_head": ("程式錯誤", "internal error"),
    # --- counted nouns: English says "1 row", "2 rows"; Chinese has one form with its measure word.
    "n.graduate": ("{n} 位畢業生", "{n} graduate{s}"),
    "n.row": ("{n} 列", "{n} row{s}"),
    "n.table": ("{n} 個資料表", "{n} table{s}"),
    "n.report": ("{n} 份報表", "{n} report{s}"),
}

#: An error class's code -> what it means in Chinese: the sentence a message no `FREE_TEXT` entry
#: matches is shown after (and the whole text of an error raised with no message of its own).
ERROR_ZH: Mapping[str, str] = {
    "lpdata_error": "無法完成",
    "bad_file": "檔案遭拒",
    "undecodable": "檔案的文字編碼無法辨識",
    "not_a_spreadsheet": "不是可讀取的試算表",
    "empty_file": "檔案是空的",
    "unknown_kind": "看不出是哪一種匯出檔",
    "duplicate_column": "標題列有重複的欄位",
    "ambiguous_kind": "標題列同時符合兩種匯出檔",
    "too_large": "檔案太大",
    "not_an_export": "不是匯出檔",
    "bad_config": "設定檔有誤",
    "bad_date": "日期有誤",
    "bad_key": "身分證號雜湊金鑰有問題",
    "store_error": "資料庫有問題",
    "database_busy": "資料庫正由另一個 lp 指令使用中",
    "unknown_view": "沒有這個檢視",
    "ingest_rejected": "檔案遭拒，未載入任何資料",
    "bad_parameter": "參數有誤",
    "bad_plan": "報表計畫有誤",
    "notebook_error": "報表筆記本有問題",
    "run_busy": "另一個 `lp run` 正在寫這個報表資料夾",
}

#: Free texts lpdata writes in English (error messages, their `expected`, notes, summary lines) ->
#: Chinese. Each English template's `{field}` matches any text; a field named `*_text` is itself
#: translated, `kind` is shown as the kind's Chinese name. The first entry that matches the whole
#: text wins, so a specific entry comes before a general one.
FREE_TEXT: tuple[tuple[str, str], ...] = (
    # the store and the database
    ("no database here yet; run `lp ingest FOLDER --db PATH` first",
     "這裡還沒有資料庫；請先執行 `lp ingest 資料夾 --db 路徑`"),
    ("no database here; run `lp ingest FOLDER --db PATH` first (or pass --db)",
     "這裡沒有資料庫；請先執行 `lp ingest 資料夾 --db 路徑`（或以 --db 指定資料庫）"),
    ("the database has no lp tables yet; run `lp ingest` first", "資料庫還沒有任何 lp 資料表；請先執行 `lp ingest`"),
    ("nothing is loaded yet, so there is no default as-of date; pass --as-of",
     "尚未載入任何資料，所以沒有預設的資料日期；請以 --as-of 指定"),
    ("the database is in use by another lp command; try again when it has finished",
     "資料庫正由另一個 lp 指令使用中；請等它完成後再試"),
    ("the database was written to meanwhile; nothing was replaced", "這段期間資料庫被寫入了；未替換任何資料"),
    ("the database was written to during the restore; nothing was replaced",
     "還原期間資料庫被寫入了；未替換任何資料"),
    ("cannot open the database: {detail}", "無法開啟資料庫：{detail}"),
    ("not an lp-workbench database (it has no lp_meta table)", "不是 lp-workbench 的資料庫（沒有 lp_meta 資料表）"),
    ("this is a folder, not a database file", "這是資料夾，不是資料庫檔"),
    ("the queries folder is missing", "找不到 queries/ 資料夾"),
    # dates
    ("{what} '{value}' is not a date", "{what} 「{value}」不是日期"),
    ("as-of date {day} is after today: a purge deletes only what is due today or earlier (a dry run may look ahead)",
     "資料日期 {day} 在今天之後：清除只刪除今天（含）以前已屆期的資料（試算可以看未來的日期）"),
    ("--as-of today or earlier", "--as-of 為今天或更早的日期"),
    ("YYYY-MM-DD", "年-月-日，例如 2026-07-20"),
    # reading export files
    ("no such file or folder", "找不到這個檔案或資料夾"),
    ("no export files here (.csv, .txt, .xlsx, .xls, .yaml, or a .zip of them)",
     "這裡沒有匯出檔（.csv、.txt、.xlsx、.xls、.yaml，或它們的 .zip 壓縮檔）"),
    ("the file is empty", "檔案是空的"),
    ("a text file with no header row of an export kind", "文字檔中沒有任何一種匯出檔的標題列"),
    ("matches no export kind; nearest is {kind_label}, missing column {missing}; found {found}",
     "不屬於任何一種匯出檔；最接近「{kind_label}」，缺少欄位 {missing}；找到的欄位：{found}"),
    ("matches no export kind; nearest is {kind_label}, missing columns {missing}; found {found}",
     "不屬於任何一種匯出檔；最接近「{kind_label}」，缺少欄位 {missing}；找到的欄位：{found}"),
    ("no header row of any export kind in the first rows", "前幾列中沒有任何一種匯出檔的標題列"),
    ("the header row of one of: {kinds}", "下列其中一種匯出檔的標題列：{kinds}"),
    ("columns {columns}", "欄位 {columns}"),
    ("column '{column}' appears twice in the header", "標題列中欄位「{column}」出現兩次"),
    ("the header fits both {first} and {second}", "標題列同時符合「{first}」與「{second}」"),
    ("the workbook has no data sheet (only covers or empty sheets)", "活頁簿中沒有資料工作表（只有封面或空白工作表）"),
    ("UTF-8, UTF-8 with BOM, UTF-16 (Unicode text) or Big5/CP950 text",
     "UTF-8、具有 BOM 的 UTF-8、UTF-16（Unicode 文字）或 Big5 文字"),
    ("looks like UTF-16 or binary data (NUL bytes) without a byte-order mark; save it as CSV UTF-8, Big5 or Unicode text",
     "看起來是沒有 BOM 的 UTF-16 或二進位資料；請另存為 CSV UTF-8、Big5 或 Unicode 文字"),
    ("not UTF-8 (bad byte at offset {a}) nor Big5/CP950 (bad byte at offset {b})",
     "不是 UTF-8（第 {a} 位元組有誤），也不是 Big5（第 {b} 位元組有誤）"),
    ("contains NUL bytes: not a text file", "含有空字元：不是文字檔"),
    ("contains a NUL byte at offset {at}: not a text file", "第 {at} 位元組是空字元：不是文字檔"),
    ("contains a NUL character at character {at}: not a text file", "第 {at} 個字是空字元：不是文字檔"),
    ("not a readable CSV file: its double quotes do not pair up", "無法讀取的 CSV 檔：雙引號沒有成對"),
    ("not a readable CSV file: {detail}", "無法讀取的 CSV 檔：{detail}"),
    ("not a readable Excel workbook ({detail})", "無法讀取的 Excel 活頁簿（{detail}）"),
    ("not a readable zip archive ({detail})", "無法讀取的 zip 壓縮檔（{detail}）"),
    ("a zip archive (.zip) of export files", "匯出檔的 zip 壓縮檔（.zip）"),
    ("not valid YAML: {detail}", "不是正確的 YAML：{detail}"),
    # the ID-hash key
    ("the ID-hash key file is unreadable or not hex", "身分證號雜湊金鑰檔無法讀取，或不是十六進位文字"),
    ("the ID-hash key is too short", "身分證號雜湊金鑰太短"),
    ("at least 16 bytes", "至少 16 位元組"),
    # backup and restore
    ("no such backup folder", "找不到這個備份資料夾"),
    ("not a complete backup: it has no {manifest}", "不是完整的備份：缺少 {manifest}"),
    ("a database is already here; pass --force to replace it with the backup",
     "這裡已有資料庫；若要以備份取代它，請加上 --force"),
    ("a file of the backup is missing; the backup is damaged", "備份缺少檔案；備份已損壞"),
    ("the file does not match its checksum in backup.json; the backup is damaged",
     "檔案與 backup.json 中的檢查碼不符；備份已損壞"),
    ("table {table} is not one this lp-workbench creates; its rows were restored without its constraints",
     "資料表 {table} 不是這個版本的 lp-workbench 建立的；已還原其資料列，但未還原其限制條件"),
    ("the database being replaced could not be opened ({detail}); replaced anyway", "無法開啟被取代的資料庫（{detail}）；仍已取代"),
    ("the database being replaced could not be read ({detail}); replaced anyway", "無法讀取被取代的資料庫（{detail}）；仍已取代"),
    ("this backup was taken before purge #{purge_id} on {day}: run `lp purge --apply --as-of {as_of} --db {db}` "
     "again, or graduates that purge deleted stay in the database",
     "這份備份早於 {day} 的第 {purge_id} 次清除：請再執行 `lp purge --apply --as-of {as_of} --db {db}`，"
     "否則那次清除刪除的畢業生資料會留在資料庫中"),
    ("this backup was taken before purge #{purge_id} on {day} (and {others} earlier purge{s}): run "
     "`lp purge --apply --as-of {as_of} --db {db}` again, or graduates that purge deleted stay in the database",
     "這份備份早於 {day} 的第 {purge_id} 次清除（以及更早的 {others} 次）：請再執行 "
     "`lp purge --apply --as-of {as_of} --db {db}`，否則那次清除刪除的畢業生資料會留在資料庫中"),
    ("a restore marked this database as needing `lp purge --apply` again",
     "還原後，這個資料庫需要再執行一次 `lp purge --apply`"),
    # lp status's summary line
    ("{runs} ingest run(s), the last at {last}; {rows} rows in quarantine in the current snapshots; "
     "views answer as of {as_of} by default.",
     "共載入 {runs} 次，最近一次在 {last}；目前的快照中有 {rows} 列被隔離；檢視預設的資料日期為 {as_of}。"),
    ("warning: {file} ({kind}): all {rows} rows quarantined, nothing of it loaded (see `lp query data_quality`)",
     "注意：{file}（{kind}）：全部 {rows} 列都被隔離，未載入任何資料（請見 `lp query data_quality`）"),
    ("warning: {warning_text}", "注意：{warning_text}"),
    # lp run
    ("another `lp run` is writing these reports; try again when it has finished",
     "另一個 `lp run` 正在寫這些報表；請等它完成後再試"),
    ("{key}: for_each class found no class with an enrolled student in {term} as of {as_of}", "{key}：{term} 學期在 {as_of} 沒有任何有在學學生的班級"),
    ("no such notebook", "找不到這個報表筆記本"),
    ("no such file", "找不到這個檔案"),
    ("not UTF-8 text", "不是 UTF-8 文字"),
    ("forced", "指定重跑"),
    ("new", "新報表"),
    ("the last run failed", "上次執行失敗"),
    ("changed: {inputs}", "輸入有變動：{inputs}"),
    ("its files are missing", "報表檔案不見了"),
    ("unchanged", "未變更"),
)

#: Names of a report's inputs (`Decision.reason`'s "changed: data, queries").
_INPUTS_ZH = {"data": "資料", "notebook": "筆記本", "parameters": "參數", "queries": "檢視", "rules": "規則",
              "inputs": "輸入"}


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    compiled = []
    for english, zh in FREE_TEXT:
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        compiled.append((re.compile(regex, re.DOTALL), zh))
    return tuple(compiled)


def translate(text: str) -> str | None:
    """`text` in Chinese if a `FREE_TEXT` entry matches all of it, else None."""
    for pattern, zh in _patterns():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        fields = {name: _field(name, value) for name, value in match.groupdict().items()}
        return zh.format(**fields)
    return None


def _field(name: str, value: str) -> str:
    if name.endswith("_text"):
        return translate(value) or value
    if name == "kind":
        return value_label("kind", value, zh=True)
    if name == "kind_label":  # "clo (課程學習成果)": the Chinese name alone
        code = value.split(" ", 1)[0]
        return KINDS_BY_NAME[code].label_zh if code in KINDS_BY_NAME else value
    if name == "kinds":
        return "、".join(value_label("kind", k.strip(), zh=True) for k in value.split(","))
    if name in ("missing", "found", "columns"):
        return "、".join(c.strip() for c in value.split(","))
    if name == "inputs":
        return "、".join(_INPUTS_ZH.get(k.strip(), k.strip()) for k in value.split(","))
    return value


@dataclass(frozen=True)
class Messages:
    """The CLI's words in one language."""

    lang: str

    @property
    def zh(self) -> bool:
        return self.lang == "zh-TW"

    def __call__(self, key: str, **fields: Any) -> str:
        zh, en = MESSAGES[key]
        text = zh if self.zh else en
        return text.format(**fields) if fields else text

    def count(self, n: int, noun: str) -> str:
        """`n` of `noun` ("row", "graduate", "table", "report"): "2 rows" or 「2 列」."""
        return self(f"n.{noun}", n=f"{n:,}", s="" if n == 1 else "s")

    def text(self, english: str) -> str:
        """A free text of lpdata, line by line: in Chinese when `FREE_TEXT` knows it; as it is otherwise."""
        if not self.zh:
            return english
        return "\n".join(translate(line) or line for line in english.split("\n"))

    def value(self, column: str, code: object) -> str:
        return value_label(column, code, zh=self.zh)

    def error_lines(self, exc: LpdataError) -> list[str]:
        """The lines an lp error prints: the first is the error, an indented one a detail under it."""
        if not self.zh:
            return str(exc).splitlines()
        if isinstance(exc, IngestRejected):
            head = f"{len(exc.errors):,} 個檔案遭拒，未載入任何資料"
            return [head, *(f"  {line}" for e in exc.errors for line in self.error_lines(e))]
        if isinstance(exc, UnknownViewError):
            return [f"沒有名為「{exc.name}」的檢視；可查詢的檢視如下：", *(f"  {line}" for line in view_list(exc.views, zh=True))]
        where = _zh_where(exc)
        text = _zh_message(exc)
        if exc.expected:
            text += f"（應為：{translate(exc.expected) or exc.expected}）"
        return [f"{where}：{text}" if where else text]


def _zh_where(exc: LpdataError) -> str:
    parts = [exc.file] if exc.file else []
    if isinstance(exc, ParameterError):
        if exc.line is not None:
            parts.append(f"第 {exc.line} 行")
        if exc.key:
            parts.append(f"設定項「{exc.key}」")
        return "，".join(parts)
    if exc.sheet:
        parts.append(f"工作表「{exc.sheet}」")
    if exc.row is not None:
        parts.append(f"第 {exc.row} 列")
    if exc.column:
        parts.append(f"欄位「{exc.column}」")
    if exc.cell is not None:
        parts.append(f"第 {exc.cell} 格")
    return "，".join(parts)


def _zh_message(exc: LpdataError) -> str:
    known = translate(exc.message)
    if known is not None:
        return known
    if isinstance(exc, UnknownKindError) and exc.nearest and exc.nearest in KINDS_BY_NAME:
        return (f"不屬於任何一種匯出檔；最接近「{KINDS_BY_NAME[exc.nearest].label_zh}」，"
                f"缺少欄位 {'、'.join(exc.missing)}")
    sentence = ERROR_ZH.get(exc.code, ERROR_ZH["lpdata_error"])
    return f"{sentence}：{exc.message}" if exc.message else sentence


def view_list(views: Iterable[str], *, zh: bool) -> list[str]:
    """One line per view: its name to type, then its Chinese (or English) name."""
    names = list(views)
    width = max((len(n) for n in names), default=0)
    return [f"{n.ljust(width)}  {VIEW_NAMES[n][0 if zh else 1]}" if n in VIEW_NAMES else n for n in names]


def messages(lang: str | None = None) -> Messages:
    """The CLI's words in `lang` (default: `lang_from_env()`)."""
    lang = lang or lang_from_env()
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return Messages(lang)
