DROP TABLE scheduler_lease;
DROP TABLE scheduler_tasks;
DROP TABLE audit_chain_head;
