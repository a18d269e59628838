CREATE TYPE public.tagentitytype AS ENUM (
    'Execution',
    'Job',
    'CallNode',
    'Task',
    'Value',
    'Null'
);
CREATE FUNCTION public.check_job_utc() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
            BEGIN
                IF current_setting('redun.version', true) IS NULL THEN
                    set local timezone = 'UTC';
                    NEW.start_time := NEW.start_time AT TIME ZONE 'UTC';
                    NEW.end_time := NEW.end_time AT TIME ZONE 'UTC';
                END IF;
                RETURN NEW;
            END;
            $$;
CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE public.argument (
    arg_hash character varying(40) NOT NULL,
    call_hash character varying(40) NOT NULL,
    value_hash character varying(40) NOT NULL,
    arg_position integer,
    arg_key character varying(100)
);
CREATE TABLE public.argument_result (
    arg_hash character varying(40) NOT NULL,
    result_call_hash character varying(40) NOT NULL
);
CREATE TABLE public.call_edge (
    parent_id character varying(40) NOT NULL,
    child_id character varying(40) NOT NULL,
    call_order integer NOT NULL
);
CREATE TABLE public.call_node (
    call_hash character varying(40) NOT NULL,
    task_name character varying(1024) NOT NULL,
    task_hash character varying(40) NOT NULL,
    args_hash character varying(40) NOT NULL,
    value_hash character varying(40) NOT NULL,
    "timestamp" timestamp with time zone NOT NULL
);
CREATE TABLE public.call_subtree_task (
    call_hash character varying(40) NOT NULL,
    task_hash character varying(40) NOT NULL
);
CREATE TABLE public.evaluation (
    eval_hash character varying(40) NOT NULL,
    task_hash character varying(40) NOT NULL,
    args_hash character varying(40) NOT NULL,
    value_hash character varying(40) NOT NULL
);
CREATE TABLE public.execution (
    id character varying NOT NULL,
    args character varying NOT NULL,
    job_id character varying NOT NULL,
    updated_time timestamp with time zone
);
CREATE TABLE public.file (
    value_hash character varying(40) NOT NULL,
    path character varying(1024) NOT NULL
);
CREATE TABLE public.handle (
    hash character varying(40) NOT NULL,
    fullname character varying(1024) NOT NULL,
    value_hash character varying(40) NOT NULL,
    key character varying(1024) NOT NULL,
    is_valid boolean NOT NULL
);
CREATE TABLE public.handle_edge (
    parent_id character varying(40) NOT NULL,
    child_id character varying(40) NOT NULL
);
CREATE TABLE public.job (
    id character varying NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone,
    task_hash character varying(40) NOT NULL,
    cached boolean NOT NULL,
    call_hash character varying(40),
    parent_id character varying,
    execution_id character varying NOT NULL
);
CREATE TABLE public.redun_version (
    id character varying NOT NULL,
    version integer NOT NULL,
    "timestamp" timestamp with time zone NOT NULL
);
CREATE TABLE public.subvalue (
    value_hash character varying(40) NOT NULL,
    parent_value_hash character varying(40) NOT NULL
);
CREATE TABLE public.tag (
    tag_hash character varying(40) NOT NULL,
    entity_type public.tagentitytype NOT NULL,
    entity_id character varying NOT NULL,
    key character varying NOT NULL,
    value jsonb NOT NULL,
    is_current boolean NOT NULL
);
CREATE TABLE public.tag_edit (
    parent_id character varying NOT NULL,
    child_id character varying NOT NULL
);
CREATE TABLE public.task (
    hash character varying(40) NOT NULL,
    name character varying NOT NULL,
    namespace character varying NOT NULL,
    source character varying NOT NULL
);
CREATE TABLE public.value (
    value_hash character varying(40) NOT NULL,
    type character varying NOT NULL,
    format character varying(100) NOT NULL,
    value bytea NOT NULL
);
ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY public.argument
    ADD CONSTRAINT argument_pkey PRIMARY KEY (arg_hash);
ALTER TABLE ONLY public.argument_result
    ADD CONSTRAINT argument_result_pkey PRIMARY KEY (arg_hash, result_call_hash);
ALTER TABLE ONLY public.call_edge
    ADD CONSTRAINT call_edge_pkey PRIMARY KEY (parent_id, child_id, call_order);
ALTER TABLE ONLY public.call_node
    ADD CONSTRAINT call_node_pkey PRIMARY KEY (call_hash);
ALTER TABLE ONLY public.call_subtree_task
    ADD CONSTRAINT call_subtree_task_pkey PRIMARY KEY (call_hash, task_hash);
ALTER TABLE ONLY public.evaluation
    ADD CONSTRAINT evaluation_pkey PRIMARY KEY (eval_hash);
ALTER TABLE ONLY public.execution
    ADD CONSTRAINT execution_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.file
    ADD CONSTRAINT file_pkey PRIMARY KEY (value_hash);
ALTER TABLE ONLY public.handle_edge
    ADD CONSTRAINT handle_edge_pkey PRIMARY KEY (parent_id, child_id);
ALTER TABLE ONLY public.handle
    ADD CONSTRAINT handle_pkey PRIMARY KEY (hash);
ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.redun_version
    ADD CONSTRAINT redun_version_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.subvalue
    ADD CONSTRAINT subvalue_pkey PRIMARY KEY (value_hash, parent_value_hash);
ALTER TABLE ONLY public.tag_edit
    ADD CONSTRAINT tag_edit_pkey PRIMARY KEY (parent_id, child_id);
ALTER TABLE ONLY public.tag
    ADD CONSTRAINT tag_pkey PRIMARY KEY (tag_hash);
ALTER TABLE ONLY public.task
    ADD CONSTRAINT task_pkey PRIMARY KEY (hash);
ALTER TABLE ONLY public.value
    ADD CONSTRAINT value_pkey PRIMARY KEY (value_hash);
CREATE INDEX ix_argument_call_hash ON public.argument USING btree (call_hash);
CREATE INDEX ix_argument_result_arg_hash ON public.argument_result USING btree (arg_hash);
CREATE INDEX ix_argument_result_result_call_hash ON public.argument_result USING btree (result_call_hash);
CREATE INDEX ix_argument_value_hash ON public.argument USING btree (value_hash);
CREATE INDEX ix_call_edge_child_id ON public.call_edge USING btree (child_id);
CREATE INDEX ix_call_edge_parent_id ON public.call_edge USING btree (parent_id);
CREATE UNIQUE INDEX ix_call_node_call_hash_vpo ON public.call_node USING btree (call_hash varchar_pattern_ops);
CREATE INDEX ix_call_node_task_hash ON public.call_node USING btree (task_hash);
CREATE INDEX ix_call_node_value_hash ON public.call_node USING btree (value_hash);
CREATE INDEX ix_call_subtree_task_call_hash ON public.call_subtree_task USING btree (call_hash);
CREATE INDEX ix_call_subtree_task_task_hash ON public.call_subtree_task USING btree (task_hash);
CREATE INDEX ix_evaluation_task_hash ON public.evaluation USING btree (task_hash);
CREATE INDEX ix_evaluation_value_hash ON public.evaluation USING btree (value_hash);
CREATE UNIQUE INDEX ix_execution_id_vpo ON public.execution USING btree (id varchar_pattern_ops);
CREATE INDEX ix_execution_job_id ON public.execution USING btree (job_id);
CREATE INDEX ix_file_path ON public.file USING btree (path);
CREATE INDEX ix_handle_edge_child_id ON public.handle_edge USING btree (child_id);
CREATE INDEX ix_handle_edge_parent_id ON public.handle_edge USING btree (parent_id);
CREATE INDEX ix_handle_fullname ON public.handle USING btree (fullname);
CREATE INDEX ix_handle_value_hash ON public.handle USING btree (value_hash);
CREATE INDEX ix_job_call_hash ON public.job USING btree (call_hash);
CREATE INDEX ix_job_end_time ON public.job USING btree (end_time);
CREATE INDEX ix_job_execution_id ON public.job USING btree (execution_id);
CREATE UNIQUE INDEX ix_job_id_vpo ON public.job USING btree (id varchar_pattern_ops);
CREATE INDEX ix_job_parent_id ON public.job USING btree (parent_id);
CREATE INDEX ix_job_start_time ON public.job USING btree (start_time);
CREATE INDEX ix_job_task_hash ON public.job USING btree (task_hash);
CREATE INDEX ix_subvalue_parent_value_hash ON public.subvalue USING btree (parent_value_hash);
CREATE INDEX ix_subvalue_value_hash ON public.subvalue USING btree (value_hash);
CREATE INDEX ix_tag_entity_id ON public.tag USING btree (entity_id);
CREATE INDEX ix_tag_key ON public.tag USING btree (key);
CREATE UNIQUE INDEX ix_tag_tag_hash_current ON public.tag USING btree (tag_hash) WHERE is_current;
CREATE INDEX ix_tag_value ON public.tag USING btree (value);
CREATE UNIQUE INDEX ix_task_hash_vpo ON public.task USING btree (hash varchar_pattern_ops);
CREATE INDEX ix_task_name_vpo ON public.task USING btree (name varchar_pattern_ops);
CREATE INDEX ix_task_namespace_vpo ON public.task USING btree (namespace varchar_pattern_ops);
CREATE INDEX ix_value_type ON public.value USING btree (type);
CREATE UNIQUE INDEX ix_value_value_hash_vpo ON public.value USING btree (value_hash varchar_pattern_ops);
CREATE TRIGGER check_job_utc BEFORE INSERT ON public.job FOR EACH ROW EXECUTE FUNCTION public.check_job_utc();
ALTER TABLE ONLY public.argument
    ADD CONSTRAINT argument_call_hash_fkey FOREIGN KEY (call_hash) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.argument_result
    ADD CONSTRAINT argument_result_arg_hash_fkey FOREIGN KEY (arg_hash) REFERENCES public.argument(arg_hash);
ALTER TABLE ONLY public.argument_result
    ADD CONSTRAINT argument_result_result_call_hash_fkey FOREIGN KEY (result_call_hash) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.argument
    ADD CONSTRAINT argument_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.call_edge
    ADD CONSTRAINT call_edge_child_id_fkey FOREIGN KEY (child_id) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.call_edge
    ADD CONSTRAINT call_edge_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.call_node
    ADD CONSTRAINT call_node_task_hash_fkey FOREIGN KEY (task_hash) REFERENCES public.task(hash);
ALTER TABLE ONLY public.call_node
    ADD CONSTRAINT call_node_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.call_subtree_task
    ADD CONSTRAINT call_subtree_task_call_hash_fkey FOREIGN KEY (call_hash) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.call_subtree_task
    ADD CONSTRAINT call_subtree_task_task_hash_fkey FOREIGN KEY (task_hash) REFERENCES public.task(hash);
ALTER TABLE ONLY public.job
    ADD CONSTRAINT ct_job_execution_id FOREIGN KEY (execution_id) REFERENCES public.execution(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY public.evaluation
    ADD CONSTRAINT evaluation_task_hash_fkey FOREIGN KEY (task_hash) REFERENCES public.task(hash);
ALTER TABLE ONLY public.evaluation
    ADD CONSTRAINT evaluation_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.execution
    ADD CONSTRAINT execution_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.job(id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ONLY public.file
    ADD CONSTRAINT file_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.handle_edge
    ADD CONSTRAINT handle_edge_child_id_fkey FOREIGN KEY (child_id) REFERENCES public.handle(hash);
ALTER TABLE ONLY public.handle_edge
    ADD CONSTRAINT handle_edge_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.handle(hash);
ALTER TABLE ONLY public.handle
    ADD CONSTRAINT handle_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_call_hash_fkey FOREIGN KEY (call_hash) REFERENCES public.call_node(call_hash);
ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.job(id);
ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_task_hash_fkey FOREIGN KEY (task_hash) REFERENCES public.task(hash);
ALTER TABLE ONLY public.subvalue
    ADD CONSTRAINT subvalue_parent_value_hash_fkey FOREIGN KEY (parent_value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.subvalue
    ADD CONSTRAINT subvalue_value_hash_fkey FOREIGN KEY (value_hash) REFERENCES public.value(value_hash);
ALTER TABLE ONLY public.tag_edit
    ADD CONSTRAINT tag_edit_child_id_fkey FOREIGN KEY (child_id) REFERENCES public.tag(tag_hash);
ALTER TABLE ONLY public.tag_edit
    ADD CONSTRAINT tag_edit_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.tag(tag_hash);
