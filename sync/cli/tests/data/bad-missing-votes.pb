META
key;value
budget;1000
vote_type;approval
PROJECTS
project_id;cost;name
1;600;Jardin
