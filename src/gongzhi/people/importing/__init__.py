"""The 台账 import: upload an .xlsx, validate every row in a task, confirm, then import in batches in a task.

Columns (header in row 1, any order, extra columns ignored): 姓名 身份证号 手机号 楼栋 单元 房号 面积 身份 标签.
The file is read twice (validation, then import) so the import acts on the database as it is at import time.

Parts, from the bottom up:
- `sheet`: the file format (column names, relation words) and reading the first sheet of a workbook;
- `checking`: one pass over the rows against the community, giving the valid rows and the errors;
- `writing`: writes a batch of valid rows (people, ownerships, tags, areas) with its audit entries;
- `background`: the two task bodies (validate, run) and a job's failure and end;
- `jobs`: the services a user calls (create from an upload, confirm or cancel), which queue the tasks.
"""
