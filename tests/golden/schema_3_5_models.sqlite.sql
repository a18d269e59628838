index|ix_argument_call_hash|argument|CREATE INDEX ix_argument_call_hash ON argument (call_hash)
index|ix_argument_result_arg_hash|argument_result|CREATE INDEX ix_argument_result_arg_hash ON argument_result (arg_hash)
index|ix_argument_result_result_call_hash|argument_result|CREATE INDEX ix_argument_result_result_call_hash ON argument_result (result_call_hash)
index|ix_argument_value_hash|argument|CREATE INDEX ix_argument_value_hash ON argument (value_hash)
index|ix_call_edge_child_id|call_edge|CREATE INDEX ix_call_edge_child_id ON call_edge (child_id)
index|ix_call_edge_parent_id|call_edge|CREATE INDEX ix_call_edge_parent_id ON call_edge (parent_id)
index|ix_call_node_call_hash_vpo|call_node|CREATE UNIQUE INDEX ix_call_node_call_hash_vpo ON call_node (call_hash)
index|ix_call_node_task_hash|call_node|CREATE INDEX ix_call_node_task_hash ON call_node (task_hash)
index|ix_call_node_value_hash|call_node|CREATE INDEX ix_call_node_value_hash ON call_node (value_hash)
index|ix_call_subtree_task_call_hash|call_subtree_task|CREATE INDEX ix_call_subtree_task_call_hash ON call_subtree_task (call_hash)
index|ix_call_subtree_task_task_hash|call_subtree_task|CREATE INDEX ix_call_subtree_task_task_hash ON call_subtree_task (task_hash)
index|ix_evaluation_task_hash|evaluation|CREATE INDEX ix_evaluation_task_hash ON evaluation (task_hash)
index|ix_evaluation_value_hash|evaluation|CREATE INDEX ix_evaluation_value_hash ON evaluation (value_hash)
index|ix_execution_id_vpo|execution|CREATE UNIQUE INDEX ix_execution_id_vpo ON execution (id)
index|ix_execution_job_id|execution|CREATE INDEX ix_execution_job_id ON execution (job_id)
index|ix_file_path|file|CREATE INDEX ix_file_path ON file (path)
index|ix_handle_edge_child_id|handle_edge|CREATE INDEX ix_handle_edge_child_id ON handle_edge (child_id)
index|ix_handle_edge_parent_id|handle_edge|CREATE INDEX ix_handle_edge_parent_id ON handle_edge (parent_id)
index|ix_handle_fullname|handle|CREATE INDEX ix_handle_fullname ON handle (fullname)
index|ix_handle_value_hash|handle|CREATE INDEX ix_handle_value_hash ON handle (value_hash)
index|ix_job_call_hash|job|CREATE INDEX ix_job_call_hash ON job (call_hash)
index|ix_job_end_time|job|CREATE INDEX ix_job_end_time ON job (end_time)
index|ix_job_execution_id|job|CREATE INDEX ix_job_execution_id ON job (execution_id)
index|ix_job_id_vpo|job|CREATE UNIQUE INDEX ix_job_id_vpo ON job (id)
index|ix_job_parent_id|job|CREATE INDEX ix_job_parent_id ON job (parent_id)
index|ix_job_start_time|job|CREATE INDEX ix_job_start_time ON job (start_time)
index|ix_job_task_hash|job|CREATE INDEX ix_job_task_hash ON job (task_hash)
index|ix_subvalue_parent_value_hash|subvalue|CREATE INDEX ix_subvalue_parent_value_hash ON subvalue (parent_value_hash)
index|ix_subvalue_value_hash|subvalue|CREATE INDEX ix_subvalue_value_hash ON subvalue (value_hash)
index|ix_tag_entity_id|tag|CREATE INDEX ix_tag_entity_id ON tag (entity_id)
index|ix_tag_key|tag|CREATE INDEX ix_tag_key ON tag (key)
index|ix_tag_tag_hash_current|tag|CREATE UNIQUE INDEX ix_tag_tag_hash_current ON tag (tag_hash) WHERE is_current
index|ix_tag_value|tag|CREATE INDEX ix_tag_value ON tag (value)
index|ix_task_hash_vpo|task|CREATE UNIQUE INDEX ix_task_hash_vpo ON task (hash)
index|ix_task_name_vpo|task|CREATE INDEX ix_task_name_vpo ON task (name)
index|ix_task_namespace_vpo|task|CREATE INDEX ix_task_namespace_vpo ON task (namespace)
index|ix_value_type|value|CREATE INDEX ix_value_type ON value (type)
index|ix_value_value_hash_vpo|value|CREATE UNIQUE INDEX ix_value_value_hash_vpo ON value (value_hash)
index|sqlite_autoindex_alembic_version_1|alembic_version|
index|sqlite_autoindex_argument_1|argument|
index|sqlite_autoindex_argument_result_1|argument_result|
index|sqlite_autoindex_call_edge_1|call_edge|
index|sqlite_autoindex_call_node_1|call_node|
index|sqlite_autoindex_call_subtree_task_1|call_subtree_task|
index|sqlite_autoindex_evaluation_1|evaluation|
index|sqlite_autoindex_execution_1|execution|
index|sqlite_autoindex_file_1|file|
index|sqlite_autoindex_handle_1|handle|
index|sqlite_autoindex_handle_edge_1|handle_edge|
index|sqlite_autoindex_job_1|job|
index|sqlite_autoindex_redun_version_1|redun_version|
index|sqlite_autoindex_subvalue_1|subvalue|
index|sqlite_autoindex_tag_1|tag|
index|sqlite_autoindex_tag_edit_1|tag_edit|
index|sqlite_autoindex_task_1|task|
index|sqlite_autoindex_value_1|value|
table|alembic_version|alembic_version|CREATE TABLE alembic_version ( version_num VARCHAR(32) NOT NULL, PRIMARY KEY (version_num) )
table|argument|argument|CREATE TABLE argument ( arg_hash VARCHAR(40) NOT NULL, call_hash VARCHAR(40) NOT NULL, value_hash VARCHAR(40) NOT NULL, arg_position INTEGER, arg_key VARCHAR(100), FOREIGN KEY(call_hash) REFERENCES call_node (call_hash), FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (arg_hash) )
table|argument_result|argument_result|CREATE TABLE argument_result ( arg_hash VARCHAR(40) NOT NULL, result_call_hash VARCHAR(40) NOT NULL, FOREIGN KEY(arg_hash) REFERENCES argument (arg_hash), FOREIGN KEY(result_call_hash) REFERENCES call_node (call_hash), PRIMARY KEY (arg_hash, result_call_hash) )
table|call_edge|call_edge|CREATE TABLE call_edge ( parent_id VARCHAR(40) NOT NULL, child_id VARCHAR(40) NOT NULL, call_order INTEGER NOT NULL, FOREIGN KEY(child_id) REFERENCES call_node (call_hash), FOREIGN KEY(parent_id) REFERENCES call_node (call_hash), PRIMARY KEY (parent_id, child_id, call_order) )
table|call_node|call_node|CREATE TABLE call_node ( call_hash VARCHAR(40) NOT NULL, task_name VARCHAR(1024) NOT NULL, task_hash VARCHAR(40) NOT NULL, args_hash VARCHAR(40) NOT NULL, value_hash VARCHAR(40) NOT NULL, timestamp DATETIME NOT NULL, FOREIGN KEY(task_hash) REFERENCES task (hash), FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (call_hash) )
table|call_subtree_task|call_subtree_task|CREATE TABLE call_subtree_task ( call_hash VARCHAR(40) NOT NULL, task_hash VARCHAR(40) NOT NULL, FOREIGN KEY(call_hash) REFERENCES call_node (call_hash), FOREIGN KEY(task_hash) REFERENCES task (hash), PRIMARY KEY (call_hash, task_hash) )
table|evaluation|evaluation|CREATE TABLE evaluation ( eval_hash VARCHAR(40) NOT NULL, task_hash VARCHAR(40) NOT NULL, args_hash VARCHAR(40) NOT NULL, value_hash VARCHAR(40) NOT NULL, FOREIGN KEY(task_hash) REFERENCES task (hash), FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (eval_hash) )
table|execution|execution|CREATE TABLE execution ( id VARCHAR NOT NULL, args VARCHAR NOT NULL, updated_time DATETIME, job_id VARCHAR NOT NULL, FOREIGN KEY(job_id) REFERENCES job (id) DEFERRABLE INITIALLY deferred, PRIMARY KEY (id) )
table|file|file|CREATE TABLE file ( value_hash VARCHAR(40) NOT NULL, path VARCHAR(1024) NOT NULL, FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (value_hash) )
table|handle|handle|CREATE TABLE handle ( hash VARCHAR(40) NOT NULL, fullname VARCHAR(1024) NOT NULL, value_hash VARCHAR(40) NOT NULL, key VARCHAR(1024) NOT NULL, is_valid BOOLEAN NOT NULL, FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (hash) )
table|handle_edge|handle_edge|CREATE TABLE handle_edge ( parent_id VARCHAR(40) NOT NULL, child_id VARCHAR(40) NOT NULL, FOREIGN KEY(child_id) REFERENCES handle (hash), FOREIGN KEY(parent_id) REFERENCES handle (hash), PRIMARY KEY (parent_id, child_id) )
table|job|job|CREATE TABLE job ( id VARCHAR NOT NULL, start_time DATETIME NOT NULL, end_time DATETIME, task_hash VARCHAR(40) NOT NULL, cached BOOLEAN NOT NULL, call_hash VARCHAR(40), parent_id VARCHAR, execution_id VARCHAR NOT NULL, FOREIGN KEY(call_hash) REFERENCES call_node (call_hash), FOREIGN KEY(execution_id) REFERENCES execution (id) DEFERRABLE INITIALLY deferred, FOREIGN KEY(parent_id) REFERENCES job (id), FOREIGN KEY(task_hash) REFERENCES task (hash), PRIMARY KEY (id) )
table|redun_version|redun_version|CREATE TABLE redun_version ( id VARCHAR NOT NULL, version INTEGER NOT NULL, timestamp DATETIME NOT NULL, PRIMARY KEY (id) )
table|subvalue|subvalue|CREATE TABLE subvalue ( value_hash VARCHAR(40) NOT NULL, parent_value_hash VARCHAR(40) NOT NULL, FOREIGN KEY(parent_value_hash) REFERENCES value (value_hash), FOREIGN KEY(value_hash) REFERENCES value (value_hash), PRIMARY KEY (value_hash, parent_value_hash) )
table|tag|tag|CREATE TABLE tag ( tag_hash VARCHAR(40) NOT NULL, entity_type VARCHAR(9) NOT NULL, entity_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL, is_current BOOLEAN NOT NULL, PRIMARY KEY (tag_hash) )
table|tag_edit|tag_edit|CREATE TABLE tag_edit ( parent_id VARCHAR NOT NULL, child_id VARCHAR NOT NULL, FOREIGN KEY(child_id) REFERENCES tag (tag_hash), FOREIGN KEY(parent_id) REFERENCES tag (tag_hash), PRIMARY KEY (parent_id, child_id) )
table|task|task|CREATE TABLE task ( hash VARCHAR(40) NOT NULL, name VARCHAR NOT NULL, namespace VARCHAR NOT NULL, source VARCHAR NOT NULL, PRIMARY KEY (hash) )
table|value|value|CREATE TABLE value ( value_hash VARCHAR(40) NOT NULL, type VARCHAR NOT NULL, format VARCHAR(100) NOT NULL, value BLOB NOT NULL, PRIMARY KEY (value_hash) )
